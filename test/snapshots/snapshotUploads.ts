import { randomUUID } from "node:crypto";
import type { SourceDevice } from "../../shared/core/ports/membershipSource.js";
import type { SnapshotMember } from "../../shared/snapshots/snapshot.js";
import { encodeParts } from "../../shared/snapshots/snapshotFormat.js";
import type { ApiHarness, CallResult } from "../api/apiHarness.js";
import { guid } from "../support/fixtures.js";

/** The snapshot member a collector would read for fixture device n (entraDevice(n) in fixtures.ts). */
export function snapshotDevice(n: number, options: { aadDeviceId?: boolean } = {}): SourceDevice {
  return { resourceId: 16_777_000 + n, name: `PC-${String(n).padStart(5, "0")}`, entraDeviceId: options.aadDeviceId === false ? null : guid(2, n) };
}

export interface UploadOptions {
  readonly snapshotId?: string;
  readonly type?: "device" | "user";
  readonly lastMemberChangeTime?: string | null;
  readonly readStartedAt?: string;
  readonly membersPerPart?: number;
  readonly collector?: string;
  readonly headers?: Record<string, string>;
}

/** The commit body a collector sends for these members. */
export function commitBody(collectionId: string, members: readonly SnapshotMember[], parts: number, options: UploadOptions = {}) {
  const readStartedAt = options.readStartedAt ?? new Date().toISOString();
  return {
    collectionId,
    collection: {
      name: "Autopilot devices",
      type: options.type ?? "device",
      memberCount: members.length,
      lastMemberChangeTime: options.lastMemberChangeTime === undefined ? new Date().toISOString() : options.lastMemberChangeTime,
    },
    members: members.length,
    parts,
    readStartedAt,
    readFinishedAt: readStartedAt,
    collector: options.collector ?? "CM01.contoso.com",
  };
}

/** Uploads members as a collector does (gzip parts, then the commit) through the API; answers the commit. */
export async function uploadSnapshot(
  harness: Pick<ApiHarness, "call">,
  collectionId: string,
  members: readonly SnapshotMember[],
  options: UploadOptions = {},
): Promise<{ snapshotId: string; commit: CallResult; body: ReturnType<typeof commitBody> }> {
  const snapshotId = options.snapshotId ?? randomUUID();
  const parts = await encodeParts({ collectionId, snapshotId, memberType: options.type ?? "device" }, members, options.membersPerPart);
  for (const [n, part] of parts.entries()) {
    const put = await harness.call("PUT", `/collections/${collectionId}/snapshots/${snapshotId}/parts/${n}`, { body: part, headers: options.headers ?? {} });
    if (put.status !== 200) throw new Error(`part ${n}: ${put.status} ${JSON.stringify(put.body)}`);
  }
  const body = commitBody(collectionId, members, parts.length, options);
  const commit = await harness.call("POST", `/collections/${collectionId}/snapshots/${snapshotId}/commit`, { body, headers: options.headers ?? {} });
  return { snapshotId, commit, body };
}
