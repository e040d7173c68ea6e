import type { ServiceBusMessage } from "@azure/service-bus";
import type { JobMessageBatch, JobSender } from "../../shared/queue/serviceBusJobQueue.js";

/**
 * Stands in for a `ServiceBusSender`: no Service Bus namespace can run here (there is no emulator we can
 * install and no network), so this is the one adapter tested against a fake. It keeps the part of the real
 * contract the adapter relies on — a batch refuses a message once its encoded size would pass maxSizeInBytes —
 * and records what would have been sent.
 */
export interface FakeServiceBusSender extends JobSender {
  readonly sentBatches: ServiceBusMessage[][];
  readonly scheduled: Array<{ messages: ServiceBusMessage[]; at: Date }>;
  closed: boolean;
}

/** Rough AMQP framing per message (header, properties section, data section); the real figure is similar. */
const PER_MESSAGE_OVERHEAD = 80;

export function fakeServiceBusSender(maxSizeInBytes = 256 * 1024): FakeServiceBusSender {
  const sender: FakeServiceBusSender = {
    sentBatches: [],
    scheduled: [],
    closed: false,
    async createMessageBatch() {
      return fakeBatch(maxSizeInBytes);
    },
    async sendMessages(batch) {
      sender.sentBatches.push([...(batch as FakeBatch).messages]);
    },
    async scheduleMessages(messages, at) {
      sender.scheduled.push({ messages, at });
      return messages.map((_, i) => i);
    },
    async close() {
      sender.closed = true;
    },
  };
  return sender;
}

interface FakeBatch extends JobMessageBatch {
  readonly messages: ServiceBusMessage[];
}

function fakeBatch(maxSizeInBytes: number): FakeBatch {
  const messages: ServiceBusMessage[] = [];
  let size = 0;
  return {
    messages,
    maxSizeInBytes,
    get count() {
      return messages.length;
    },
    get sizeInBytes() {
      return size;
    },
    tryAddMessage(message) {
      const encoded = Buffer.byteLength(JSON.stringify(message.body)) + Buffer.byteLength(String(message.messageId)) + PER_MESSAGE_OVERHEAD;
      if (size + encoded > maxSizeInBytes) return false;
      messages.push(message);
      size += encoded;
      return true;
    },
  };
}
