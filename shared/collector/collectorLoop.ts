import { ensureError } from "../errors.js";
import { collectOnce, type CollectorDeps, type PassSummary } from "./collectPass.js";

/**
 * `collect` without --once: a pass every `intervalMs` until `signal` aborts. A failed pass (app down, SMS Provider
 * unreachable) is logged and the next one tries again; the process itself never gives up.
 */
export async function runCollector(
  deps: CollectorDeps,
  intervalMs: number,
  signal: AbortSignal,
  onPass: (summary: PassSummary) => void = () => {},
): Promise<void> {
  while (!signal.aborted) {
    const started = deps.clock.now();
    try {
      onPass(await collectOnce(deps));
    } catch (error) {
      deps.log.error("collector pass failed unexpectedly", { error: ensureError(error).message });
    }
    const wait = Math.max(0, intervalMs - (deps.clock.now() - started));
    await abortableSleep(wait, signal);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
