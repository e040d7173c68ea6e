import type { TableServiceClientOptions } from "@azure/data-tables";
import { DependencyTimeoutError } from "../errors.js";

type PipelinePolicyEntry = NonNullable<TableServiceClientOptions["additionalPolicies"]>[number];
type PipelinePolicy = PipelinePolicyEntry["policy"];

/** Table calls are small (one entity, one page, one transaction); 20 s is far beyond a healthy answer. */
export const DEFAULT_TABLE_TIMEOUT_MS = 20_000;

/**
 * Bounds every Table Storage operation, retries included. `@azure/data-tables` sets no client-side timeout, so a
 * connection that never answers waits for ever (docs/service-facts.md "Table Storage"). The policy runs per call,
 * before the SDK's retry policy, and hands the request an abort signal (the SDK's own cancellation mechanism):
 * when it fires, the HTTP request is torn down, the retry policy stops, and the caller gets a
 * DependencyTimeoutError naming the table — never a silent wait.
 */
export function tableTimeoutPolicy(tableName: string, timeoutMs: number): PipelinePolicyEntry {
  const policy: PipelinePolicy = {
    name: "collectionSyncTableTimeout",
    async sendRequest(request, next) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const caller = request.abortSignal;
      const forward = () => controller.abort();
      caller?.addEventListener("abort", forward);
      if (caller?.aborted) controller.abort();
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } catch (error) {
        if (controller.signal.aborted && !caller?.aborted) {
          throw new DependencyTimeoutError(
            "Table Storage",
            timeoutMs,
            `Table Storage did not answer ${request.method} on table "${tableName}" within ${timeoutMs / 1000} s (TABLES_TIMEOUT_SECONDS)`,
          );
        }
        throw error;
      } finally {
        clearTimeout(timer);
        caller?.removeEventListener("abort", forward);
      }
    },
  };
  return { policy, position: "perCall" };
}
