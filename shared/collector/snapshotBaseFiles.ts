import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomically } from "../atomicFile.js";
import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SnapshotBaseRecord } from "./snapshotDelta.js";

/** Where a collector keeps the full snapshot each collection's deltas are computed against. */
export interface SnapshotBaseStore {
  /** Null when none is kept, or the file is unreadable (then the next upload is in full). */
  load(collectionId: string): Promise<SnapshotBaseRecord | null>;
  save(record: SnapshotBaseRecord): Promise<void>;
  forget(collectionId: string): Promise<void>;
}

const MAGIC = "collection-sync snapshot base v1\n";
const headerSchema = z.object({
  collectionId: z.string(),
  snapshotId: z.string(),
  memberType: z.enum(["device", "user"]),
  members: z.number().int().min(0),
});

/**
 * One file per collection in the collector's data folder, `snapshot-base-<collectionId>.bin`: a JSON header line,
 * then the resource ids (float64) and fingerprints (2 × uint32) little-endian: 16 bytes a member, 16 MB at
 * 1,000,000. Written through a temporary file and a rename, so a crash leaves the previous base whole.
 */
export function createSnapshotBaseFiles(dir: string, log: Logger): SnapshotBaseStore {
  const pathOf = (collectionId: string) => join(dir, `snapshot-base-${collectionId.replace(/[^A-Za-z0-9]/g, "_")}.bin`);
  return {
    async load(collectionId) {
      let data: Buffer;
      try {
        data = await readFile(pathOf(collectionId));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT")
          log.warn("snapshot base unreadable: uploading in full", { collectionId, error: ensureError(error).message });
        return null;
      }
      const record = parse(data);
      if (record === null || record.collectionId !== collectionId) {
        log.warn("snapshot base damaged: uploading in full", { collectionId });
        return null;
      }
      return record;
    },
    async save(record) {
      const header = Buffer.from(
        `${MAGIC}${JSON.stringify({ collectionId: record.collectionId, snapshotId: record.snapshotId, memberType: record.memberType, members: record.resourceIds.length })}\n`,
        "utf8",
      );
      const ids = Buffer.from(record.resourceIds.buffer, record.resourceIds.byteOffset, record.resourceIds.byteLength);
      const prints = Buffer.from(record.fingerprints.buffer, record.fingerprints.byteOffset, record.fingerprints.byteLength);
      await writeFileAtomically(pathOf(record.collectionId), Buffer.concat([header, ids, prints]));
    },
    async forget(collectionId) {
      await rm(pathOf(collectionId), { force: true });
    },
  };
}

function parse(data: Buffer): SnapshotBaseRecord | null {
  if (!data.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC, "utf8"))) return null;
  const end = data.indexOf(0x0a, MAGIC.length);
  if (end < 0) return null;
  let header: z.infer<typeof headerSchema>;
  try {
    header = headerSchema.parse(JSON.parse(data.subarray(MAGIC.length, end).toString("utf8")));
  } catch {
    return null;
  }
  const body = data.subarray(end + 1);
  if (body.length !== header.members * 16) return null;
  // Copied into fresh buffers: typed arrays need aligned offsets.
  const resourceIds = new Float64Array(header.members);
  const fingerprints = new Uint32Array(header.members * 2);
  Buffer.from(resourceIds.buffer).set(body.subarray(0, header.members * 8));
  Buffer.from(fingerprints.buffer).set(body.subarray(header.members * 8));
  for (let i = 1; i < resourceIds.length; i++) if ((resourceIds[i] as number) <= (resourceIds[i - 1] as number)) return null;
  return { collectionId: header.collectionId, snapshotId: header.snapshotId, memberType: header.memberType, resourceIds, fingerprints };
}
