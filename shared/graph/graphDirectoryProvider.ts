/**
 * The Graph adapter's entry point: a DirectoryProvider over `@microsoft/microsoft-graph-client` v3.
 *
 * One SDK client, one token cache and one throttle budget per tenant, created on first use and shared by every
 * `open()` of that tenant in this process; `open()` itself is cheap (a view with its own counters).
 */
import type { TokenCredential } from "@azure/identity";
import { isLoopbackHttp } from "../config/loopback.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../core/ports/clock.js";
import type { Directory, DirectoryProvider } from "../core/ports/directory.js";
import { GraphDirectory, type TenantRuntime } from "./graphDirectory.js";
import { DOCUMENTED_LIMITS, type BudgetLimits } from "./budgetModel.js";
import { createTenantBudget, localBudgetBook, type BudgetBook } from "./tenantBudget.js";
import { TenantThrottle } from "./throttle.js";
import { BearerTokenMiddleware, graphScopeFor } from "./tokenMiddleware.js";
import { createTenantConnection } from "./transport.js";

export interface GraphDirectoryProviderOptions {
  /** Graph root without version: `https://graph.microsoft.com`, a national cloud, or the loopback simulator. */
  readonly baseUrl: string;
  /**
   * The credential for a tenant (null = the app's home tenant). Returning null sends no token, which is allowed
   * only for a loopback `http://` base URL (the simulated tenant).
   */
  readonly credentialFor: (tenantId: string | null) => TokenCredential | null;
  /** `$batch` requests in flight at most per tenant (GRAPH_MAX_CONCURRENCY). */
  readonly maxConcurrency: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Token scope; default `<baseUrl origin>/.default` (public cloud's scope for the loopback simulator). */
  readonly scope?: string;
  /** API version segment; default `v1.0`. */
  readonly version?: string;
  /** More device ids than this in one lookup: enumerate `/devices` once instead. Default 20,000. */
  readonly enumerateDevicesAbove?: number;
  /** Retries of one request on throttling or transient failure before giving up. Default 8. */
  readonly maxRetries?: number;
  /** Jitter source for back-off without `Retry-After` (tests pin it). Default Math.random. */
  readonly random?: () => number;
  /** One HTTP request's time limit. Default 100 s. */
  readonly requestTimeoutMs?: number;
  /** Successful answers in a row before the tenant's concurrency grows by one. Default 10. */
  readonly growConcurrencyAfter?: number;
  /**
   * Where a tenant's budget is kept (key: tenant id, or `home` for the home tenant): the Table Storage row every
   * instance shares (sharedBudgetBook), or by default this process's memory.
   */
  readonly budgetBook?: (tenantKey: string) => BudgetBook;
  /** The limits assumed before any are learned. Default: Graph's documented limits for the smallest tenants. */
  readonly budgetLimits?: BudgetLimits;
}

export function createGraphDirectoryProvider(options: GraphDirectoryProviderOptions): DirectoryProvider {
  const baseUrl = parseBaseUrl(options.baseUrl);
  if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
    throw new ConfigError([`Graph maxConcurrency must be a whole number ≥ 1, got ${options.maxConcurrency}`]);
  }
  const scope = options.scope ?? graphScopeFor(baseUrl);
  const tenants = new Map<string, TenantRuntime>();

  function runtimeFor(tenantId: string | null): TenantRuntime {
    const key = tenantId?.toLowerCase() ?? "";
    const existing = tenants.get(key);
    if (existing !== undefined) return existing;
    const credential = options.credentialFor(tenantId);
    if (credential === null && !isLoopbackHttp(baseUrl)) {
      throw new ConfigError([
        `No credential for tenant ${tenantId ?? "(home)"}: only a loopback http:// Graph (the simulated tenant) may be called without a token`,
      ]);
    }
    const retry = { maxRetries: options.maxRetries ?? 8, random: options.random ?? Math.random };
    const throttle = new TenantThrottle(options.maxConcurrency, options.clock, options.growConcurrencyAfter ?? 10);
    const book = options.budgetBook?.(key === "" ? "home" : key) ?? localBudgetBook();
    const budget = createTenantBudget(book, options.budgetLimits ?? DOCUMENTED_LIMITS, options.clock);
    const connection = createTenantConnection({
      tenantId,
      baseUrl,
      version: options.version ?? "v1.0",
      auth: new BearerTokenMiddleware(credential, scope, tenantId, baseUrl.origin, options.clock),
      throttle,
      budget,
      clock: options.clock,
      log: options.log,
      retry,
      requestTimeoutMs: options.requestTimeoutMs ?? 100_000,
    });
    const runtime: TenantRuntime = {
      connection,
      clock: options.clock,
      retry,
      maxConcurrency: options.maxConcurrency,
      enumerateDevicesAbove: options.enumerateDevicesAbove ?? 20_000,
    };
    tenants.set(key, runtime);
    return runtime;
  }

  return {
    open(tenantId: string | null, openOptions?: { readonly deadline?: number }): Directory {
      return new GraphDirectory(runtimeFor(tenantId), openOptions?.deadline);
    },
  };
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError([`Graph base URL is not a URL: "${value}"`]);
  }
  if (url.protocol !== "https:" && !isLoopbackHttp(url)) {
    throw new ConfigError([`Graph base URL must use https:// (http:// only for a loopback address), got "${value}"`]);
  }
  if (url.search !== "" || url.hash !== "") throw new ConfigError([`Graph base URL must not have a query: "${value}"`]);
  return url;
}
