import type { TokenCredential } from "@azure/identity";
import { MetricsQueryClient, type MetricsQueryOptions } from "@azure/monitor-query";
import { ensureError } from "../errors.js";
import { systemClock, type Clock } from "../core/ports/clock.js";
import type { DeadLetterCounter } from "./serviceBusJobQueue.js";

/**
 * The queue's dead-letter count from Azure Monitor instead of the queue's runtime properties. Reading runtime
 * properties is a management operation (Manage claim / "Azure Service Bus Data Owner"); reading the namespace's
 * platform metric `DeadletteredMessages` (gauge, dimension `EntityName`, 1-minute grain, aggregations
 * Average/Minimum/Maximum) needs only `Microsoft.Insights/metrics/read`, i.e. Monitoring Reader on the namespace.
 *
 * The price is freshness: platform metrics arrive a few minutes late, so the count can trail the queue by that
 * much. It is the latest 1-minute maximum seen in the look-back window; no data point in the window means
 * "unknown" (null), never 0.
 */
export const DEAD_LETTER_METRIC = "DeadletteredMessages";
export const SERVICE_BUS_METRIC_NAMESPACE = "Microsoft.ServiceBus/namespaces";
/** Metrics lag a few minutes; 15 minutes finds the latest point even when they lag. */
export const DEFAULT_LOOKBACK_MS = 15 * 60_000;
/** /api/health may be polled every few seconds; the metric moves once a minute at most. */
export const DEFAULT_CACHE_MS = 60_000;
/** Like the other health probes: a hung dependency is a down dependency. */
export const DEFAULT_TIMEOUT_MS = 5_000;

export interface MetricPoint {
  readonly timeStamp: Date;
  readonly maximum?: number;
}

export interface MetricTimeSeries {
  readonly metadataValues?: ReadonlyArray<{ readonly name?: string; readonly value?: string }>;
  readonly data?: readonly MetricPoint[];
}

export interface MetricResult {
  readonly name: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly timeseries: readonly MetricTimeSeries[];
}

/** The part of `MetricsQueryClient` we use; the real client fits it, and so does a test's fake. */
export interface MetricsReader {
  queryResource(resourceUri: string, metricNames: string[], options: MetricsQueryOptions): Promise<{ readonly metrics: readonly MetricResult[] }>;
}

export interface MonitorDeadLetterCounterOptions {
  /** ARM id of the Service Bus namespace (SERVICEBUS_RESOURCE_ID). */
  readonly namespaceResourceId: string;
  readonly metrics: MetricsReader;
  readonly clock?: Clock;
  readonly lookbackMs?: number;
  readonly cacheMs?: number;
  readonly timeoutMs?: number;
}

export function createMonitorDeadLetterCounter(options: MonitorDeadLetterCounterOptions): DeadLetterCounter {
  const clock = options.clock ?? systemClock;
  const lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Only answers are cached: a failed read is retried on the next health check.
  const cache = new Map<string, { readonly at: number; readonly count: number | null }>();

  return {
    async deadLetterCount(queueName) {
      const now = clock.now();
      const cached = cache.get(queueName);
      if (cached !== undefined && now - cached.at < cacheMs) return cached.count;
      let metrics: readonly MetricResult[];
      try {
        ({ metrics } = await options.metrics.queryResource(options.namespaceResourceId, [DEAD_LETTER_METRIC], {
          metricNamespace: SERVICE_BUS_METRIC_NAMESPACE,
          timespan: { startTime: new Date(now - lookbackMs), endTime: new Date(now) },
          granularity: "PT1M",
          aggregations: ["Maximum"],
          filter: `EntityName eq '${queueName.replace(/'/g, "''")}'`,
          abortSignal: AbortSignal.timeout(timeoutMs),
        }));
      } catch (error) {
        throw new Error(describeFailure(error, timeoutMs), { cause: error });
      }
      const count = latestMaximum(metrics, queueName);
      cache.set(queueName, { at: now, count });
      return count;
    },
  };
}

/** The newest 1-minute maximum of the queue's series; null when the window holds no data point. */
function latestMaximum(metrics: readonly MetricResult[], queueName: string): number | null {
  const metric = metrics.find((m) => m.name.toLowerCase() === DEAD_LETTER_METRIC.toLowerCase());
  if (metric === undefined) throw new Error(`Azure Monitor returned no ${DEAD_LETTER_METRIC} metric for the namespace`);
  if (metric.errorCode !== undefined && metric.errorCode !== "Success") {
    throw new Error(`Azure Monitor could not read ${DEAD_LETTER_METRIC}: ${metric.errorCode} ${metric.errorMessage ?? ""}`.trim());
  }
  let latest: MetricPoint | undefined;
  for (const series of metric.timeseries.filter((s) => isSeriesOf(s, queueName))) {
    for (const point of series.data ?? []) {
      if (typeof point.maximum !== "number" || !Number.isFinite(point.maximum)) continue; // a minute without data
      if (latest === undefined || point.timeStamp.getTime() > latest.timeStamp.getTime()) latest = point;
    }
  }
  return latest?.maximum === undefined ? null : Math.round(latest.maximum);
}

/** The filter already asks for this queue; the metadata check keeps another entity's series out regardless. */
function isSeriesOf(series: MetricTimeSeries, queueName: string): boolean {
  const entity = series.metadataValues?.find((m) => m.name?.toLowerCase() === "entityname");
  return entity?.value === undefined || entity.value.toLowerCase() === queueName.toLowerCase();
}

/** A short sentence for the health check's detail: no resource ids, principal ids or tokens from the error body. */
function describeFailure(thrown: unknown, timeoutMs: number): string {
  const error = ensureError(thrown);
  if (error.name === "AbortError" || error.name === "TimeoutError") return `Azure Monitor did not answer within ${timeoutMs} ms`;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== "number") return `Reading ${DEAD_LETTER_METRIC} from Azure Monitor failed: ${error.message}`;
  const answer = `Azure Monitor answered ${statusCode}${typeof code === "string" ? ` ${code}` : ""} reading ${DEAD_LETTER_METRIC}`;
  if (statusCode === 401 || statusCode === 403) {
    return `${answer}: the app's identity needs Monitoring Reader on the Service Bus namespace (new role assignments take a few minutes)`;
  }
  return answer;
}

/** Azure Resource Manager per cloud, told apart by the Service Bus host suffix (no extra setting needed). */
const CLOUDS: ReadonlyArray<{ readonly serviceBusSuffix: string; readonly resourceManager: string }> = [
  { serviceBusSuffix: ".servicebus.usgovcloudapi.net", resourceManager: "https://management.usgovcloudapi.net" },
  { serviceBusSuffix: ".servicebus.chinacloudapi.cn", resourceManager: "https://management.chinacloudapi.cn" },
];
const PUBLIC_RESOURCE_MANAGER = "https://management.azure.com";

export function resourceManagerFor(serviceBusHost: string): string {
  const host = (serviceBusHost.replace(/^[a-z]+:\/\//i, "").split(/[/:]/)[0] ?? "").toLowerCase();
  return CLOUDS.find((cloud) => host.endsWith(cloud.serviceBusSuffix))?.resourceManager ?? PUBLIC_RESOURCE_MANAGER;
}

/**
 * The real reader: Azure Monitor's resource metrics API on Azure Resource Manager, as the app's identity.
 * `MetricsQueryClient` (@azure/monitor-query 1.x) is marked deprecated in favour of @azure/arm-monitor, whose
 * current release needs Node 22; the data-plane `MetricsClient` (@azure/monitor-query-metrics) wants read access
 * on the whole subscription and a regional endpoint. This client works with Monitoring Reader on the namespace
 * alone and runs on Node 20. Swap it here when the app moves to Node 22: nothing else imports the SDK.
 */
export function azureMonitorMetricsReader(credential: TokenCredential, serviceBusHost: string): MetricsReader {
  const resourceManager = resourceManagerFor(serviceBusHost);
  return new MetricsQueryClient(credential, { endpoint: resourceManager, audience: resourceManager });
}
