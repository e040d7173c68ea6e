import type { MetricResult, MetricsReader } from "../../shared/queue/monitorDeadLetterCounter.js";

/**
 * Stands in for `MetricsQueryClient` (@azure/monitor-query). Azure Monitor cannot run here: there is no emulator
 * and no network, and its resource metrics API sits on Azure Resource Manager behind an Entra token (the SDK
 * refuses to send a bearer token to a non-https URL, so not even a loopback imitation can be reached with the real
 * client). So the metric reader is tested against this fake: it records each query exactly as the SDK would
 * receive it and answers with the metric series a test gives it — or fails the way the SDK fails.
 */
export interface FakeMetricsClient extends MetricsReader {
  readonly queries: Array<{ resourceUri: string; metricNames: string[]; options: Parameters<MetricsReader["queryResource"]>[2] }>;
  /** What the next queries answer: metric results, or an error to throw. */
  answer: readonly MetricResult[] | Error;
}

export function fakeMetricsClient(answer: readonly MetricResult[] | Error = []): FakeMetricsClient {
  const client: FakeMetricsClient = {
    queries: [],
    answer,
    async queryResource(resourceUri, metricNames, options) {
      client.queries.push({ resourceUri, metricNames, options });
      if (client.answer instanceof Error) throw client.answer;
      return { metrics: client.answer };
    },
  };
  return client;
}

/** One `DeadletteredMessages` result for `entity`, one point per minute from `from`; undefined = no data yet. */
export function deadLetterSeries(entity: string, from: Date, maxima: ReadonlyArray<number | undefined>): MetricResult {
  return {
    name: "DeadletteredMessages",
    errorCode: "Success",
    timeseries: [
      {
        metadataValues: [{ name: "entityname", value: entity }],
        data: maxima.map((maximum, i) => ({
          timeStamp: new Date(from.getTime() + i * 60_000),
          ...(maximum === undefined ? {} : { maximum }),
        })),
      },
    ],
  };
}

/** A RestError as @azure/core-rest-pipeline throws it for an ARM error answer. */
export function restError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { name: "RestError", statusCode, code });
}
