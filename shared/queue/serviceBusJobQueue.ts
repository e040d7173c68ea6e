import { ServiceBusAdministrationClient, ServiceBusClient, type ServiceBusMessage, type TokenCredential } from "@azure/service-bus";
import { ValidationError } from "../errors.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { SyncJob } from "../core/syncJob.js";
import { jobBody, MAX_JOB_ID_LENGTH } from "../core/syncJob.js";

/** The part of a `ServiceBusMessageBatch` we use. */
export interface JobMessageBatch {
  readonly count: number;
  readonly sizeInBytes: number;
  /** The namespace's message size limit (256 KB on Standard): a batch travels as one message. */
  readonly maxSizeInBytes: number;
  tryAddMessage(message: ServiceBusMessage): boolean;
}

/** The part of a `ServiceBusSender` we use; a real sender fits it, and so does a test's fake. */
export interface JobSender {
  createMessageBatch(): Promise<JobMessageBatch>;
  sendMessages(batch: JobMessageBatch): Promise<void>;
  scheduleMessages(messages: ServiceBusMessage[], scheduledEnqueueTimeUtc: Date): Promise<unknown>;
  close(): Promise<void>;
}

/** Reads the queue's counters (the part of `ServiceBusAdministrationClient` we use). */
export interface QueueRuntimeReader {
  getQueueRuntimeProperties(queueName: string): Promise<{ readonly deadLetterMessageCount: number }>;
}

/**
 * Counts a queue's dead-lettered messages some other way than its runtime properties — e.g. from the
 * `DeadletteredMessages` metric in Azure Monitor (monitorDeadLetterCounter.ts), which needs only Monitoring Reader.
 * null means "unknown" (no recent data); a failure to read throws.
 */
export interface DeadLetterCounter {
  deadLetterCount(queueName: string): Promise<number | null>;
}

export type ServiceBusConnection =
  /** Managed identity (DefaultAzureCredential in Azure): needs "Azure Service Bus Data Sender" on the queue. */
  { readonly fullyQualifiedNamespace: string; readonly credential: TokenCredential } | { readonly sender: JobSender; readonly runtime?: QueueRuntimeReader };

export type ServiceBusJobQueueOptions = ServiceBusConnection & {
  readonly queueName: string;
  /**
   * Read the dead-letter count from the queue's runtime properties. That is a management operation: it needs
   * the Manage claim (SAS) or "Azure Service Bus Data Owner" (Entra), far more than sending and receiving.
   * Off by default so the app keeps least privilege; deadLetterCount() then answers null ("unknown").
   */
  readonly countDeadLetters?: boolean;
  /**
   * Where the dead-letter count comes from instead, without management rights on the queue (the composition
   * root passes the Azure Monitor reader when SERVICEBUS_RESOURCE_ID is set). Not together with countDeadLetters.
   */
  readonly deadLetterCounter?: DeadLetterCounter;
};

export interface ServiceBusJobQueue extends JobQueue {
  close(): Promise<void>;
}

/** Jobs on a Service Bus queue: batched sends, scheduled messages for back-off, duplicate detection by jobId. */
export function createServiceBusJobQueue(options: ServiceBusJobQueueOptions): ServiceBusJobQueue {
  if (options.countDeadLetters === true && options.deadLetterCounter !== undefined) {
    throw new ValidationError("Count dead letters from the queue's runtime properties or from a deadLetterCounter, not both");
  }
  const { sender, runtime, client } = connect(options);
  const deadLetters = options.deadLetterCounter ?? (options.countDeadLetters === true ? runtimeCounter(runtime) : undefined);

  return {
    async send(jobs) {
      if (jobs.length === 0) return;
      let batch = await sender.createMessageBatch();
      for (const job of jobs) {
        const message = toMessage(job);
        if (batch.tryAddMessage(message)) continue;
        // The batch is full (its size limit is the namespace's message size limit): send it, start another.
        if (batch.count === 0) throw new ValidationError(`Job ${job.jobId} does not fit in one Service Bus message`);
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (!batch.tryAddMessage(message)) throw new ValidationError(`Job ${job.jobId} does not fit in one Service Bus message`);
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    },

    async schedule(job, at) {
      // A scheduled message is the only real back-off Service Bus offers: abandoning redelivers at once
      // (docs/service-facts.md "Service Bus and the Functions host").
      await sender.scheduleMessages([toMessage(job)], new Date(at));
    },

    async deadLetterCount() {
      return deadLetters === undefined ? null : deadLetters.deadLetterCount(options.queueName);
    },

    async reach() {
      // Creating a batch opens the sender's link to the queue: the namespace answers and the identity holds
      // the Send right (Azure Service Bus Data Sender), yet nothing is sent.
      await sender.createMessageBatch();
      const where = "fullyQualifiedNamespace" in options ? ` on ${options.fullyQualifiedNamespace}` : "";
      return `Service Bus queue ${options.queueName}${where}: the send link opened`;
    },

    async close() {
      await sender.close();
      await client?.close();
    },
  };
}

function runtimeCounter(runtime: QueueRuntimeReader | undefined): DeadLetterCounter | undefined {
  if (runtime === undefined) return undefined;
  return {
    async deadLetterCount(queueName) {
      return (await runtime.getQueueRuntimeProperties(queueName)).deadLetterMessageCount;
    },
  };
}

function connect(options: ServiceBusJobQueueOptions): { sender: JobSender; runtime: QueueRuntimeReader | undefined; client?: ServiceBusClient } {
  if ("sender" in options) return { sender: options.sender, runtime: options.runtime };
  const client = new ServiceBusClient(options.fullyQualifiedNamespace, options.credential);
  const runtime = options.countDeadLetters === true ? new ServiceBusAdministrationClient(options.fullyQualifiedNamespace, options.credential) : undefined;
  return { sender: client.createSender(options.queueName), runtime, client };
}

/**
 * messageId = jobId, so Service Bus duplicate detection drops a second send of the same job inside its window
 * (the send still succeeds). The body is the job's ids only; the SDK JSON-encodes it into a data section.
 */
export function toMessage(job: SyncJob): ServiceBusMessage {
  if (job.jobId.length === 0 || job.jobId.length > MAX_JOB_ID_LENGTH) {
    throw new ValidationError(`A job id must be 1 to ${MAX_JOB_ID_LENGTH} characters (Service Bus messageId), got ${job.jobId.length}`);
  }
  return { messageId: job.jobId, body: jobBody(job), contentType: "application/json", subject: "sync-job" };
}
