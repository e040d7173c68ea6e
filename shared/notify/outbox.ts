import type { Notification } from "./notification.js";

export type OutboxStatus =
  /** Waiting for its first or next delivery attempt. */
  | "pending"
  /** Every receiver took it. */
  | "sent"
  /** Some receiver refused it for good or ran out of attempts (see lastError). */
  | "gave-up";

/** One notification on its way out, with its delivery record. */
export interface OutboxEntry {
  readonly notification: Notification;
  readonly status: OutboxStatus;
  /** Delivery rounds so far. */
  readonly attempts: number;
  /** Epoch ms: not before then (back-off, Retry-After, or another deliverer's claim). */
  readonly nextAttemptAt: number;
  /** Receivers (receiverId) that took it, so a retry goes only to those that did not. */
  readonly deliveredTo: readonly string[];
  /** Receivers given up on (permanent refusal or attempts exhausted). */
  readonly gaveUpOn: readonly string[];
  readonly createdAt: string;
  readonly lastAttemptAt: string | null;
  /** The last failure: receiver (format and host) and what happened, never the receiver's URL. */
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  readonly sentAt: string | null;
  readonly etag: string;
}

/** Where notifications wait for delivery (Table Storage `notifications`, storage/notificationTable.ts). */
export interface NotificationOutbox {
  /** Stores a new notification, due now; false when one with the same key is already stored (a duplicate). */
  add(notification: Notification, now: number): Promise<boolean>;
  /** Every stored entry: pending ones and the recent history kept for /api/health. */
  list(): Promise<OutboxEntry[]>;
  /** Replaces the entry if nobody changed it since it was read (ETag); null when somebody did. */
  update(entry: OutboxEntry): Promise<OutboxEntry | null>;
  /** Deletes entries (history past its retention). */
  remove(keys: readonly string[]): Promise<void>;
  /** A small named number kept beside the outbox (the dead-letter count last seen), with its ETag. */
  readMark(name: string): Promise<{ readonly value: number; readonly etag: string } | null>;
  /** Writes the mark if unchanged since read (etag) or absent (null); false when somebody else wrote first. */
  writeMark(name: string, value: number, etag: string | null): Promise<boolean>;
}
