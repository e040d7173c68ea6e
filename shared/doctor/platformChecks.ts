import { probeAll, type Probe } from "./health.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import { errorLine, failed, notApplicable, passed, type DiagnosticCheck } from "./diagnosis.js";

/** Table Storage through the same probe as GET /api/health (with its time limit). */
export async function storageCheck(ping: Probe): Promise<DiagnosticCheck> {
  const [probe] = (await probeAll({ storage: ping })).checks;
  if (probe?.ok === true) return passed("Table Storage", `answered in ${probe.durationMs ?? 0} ms`);
  return failed(
    "Table Storage",
    probe?.detail ?? "no answer",
    "Check TABLES_ENDPOINT / TABLES_CONNECTION and the network to the storage account; in Azure the managed identity needs Storage Table Data Contributor on it.",
  );
}

/** The job queue: reachable with the app's rights, and whether jobs wait in its dead-letter queue. */
export async function queueChecks(queue: JobQueue): Promise<DiagnosticCheck[]> {
  const reached = await reachQueue(queue);
  let deadLetters: DiagnosticCheck;
  try {
    const count = await queue.deadLetterCount();
    deadLetters =
      count === null
        ? notApplicable("Dead-lettered jobs", "unknown: set SERVICEBUS_RESOURCE_ID (and Monitoring Reader on the namespace) to count them")
        : count === 0
          ? passed("Dead-lettered jobs", "none")
          : failed(
              "Dead-lettered jobs",
              `${count} job(s) failed 10 deliveries in a row`,
              "See why in Application Insights (exceptions), fix the cause, then clear the dead-letter queue (docs/queue.md); the next tick plans every mapping again anyway.",
            );
  } catch (error) {
    deadLetters = failed(
      "Dead-lettered jobs",
      errorLine(error),
      "Check SERVICEBUS_RESOURCE_ID and that the identity holds Monitoring Reader on the namespace.",
    );
  }
  return [reached, deadLetters];
}

async function reachQueue(queue: JobQueue): Promise<DiagnosticCheck> {
  const reach = queue.reach?.bind(queue);
  if (reach === undefined) return notApplicable("Job queue", "this queue cannot be probed without sending a job");
  let reached = "";
  const [probe] = (
    await probeAll({
      queue: async () => {
        reached = await reach();
      },
    })
  ).checks;
  if (probe?.ok !== true) {
    return failed(
      "Job queue",
      probe?.detail ?? "no answer",
      "Check SERVICEBUS_CONNECTION__fullyQualifiedNamespace and SERVICEBUS_QUEUE; the managed identity needs Azure Service Bus Data Sender and Data Receiver on the queue.",
    );
  }
  return passed("Job queue", reached);
}
