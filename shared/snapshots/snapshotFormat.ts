import { promisify } from "node:util";
import { gunzip, gzip, constants as zlibConstants } from "node:zlib";
import { z } from "zod";
import { collectionIdSchema, guidSchema } from "../core/ids.js";
import { SLICE, yieldToLoop } from "../eventLoop.js";
import { parseSourceTime } from "./sourceTime.js";
import { SNAPSHOT_LIMITS, type PartSummary, type SnapshotMember, type SnapshotMemberType } from "./snapshot.js";

const inflate = promisify(gunzip);
const deflate = promisify(gzip);

/** The wire format of snapshot parts and commits (docs/api.md "Snapshots"), shared by the app and the collector. */
export const SNAPSHOT_PART_CONTENT_TYPE = "application/gzip";

/** Snapshot ids are GUIDs chosen by the collector, one per read. */
export const snapshotIdSchema = guidSchema;
/** A part number as it appears in a URL: 0 to 999, plain digits. */
export const partNumberSchema = z
  .string()
  .regex(/^\d{1,3}$/, `must be a whole number from 0 to ${SNAPSHOT_LIMITS.parts - 1}`)
  .transform(Number);

/** No control characters in names: they end up in logs, CSV exports and the console. */
const printable = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters");

const resourceIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const deviceSchema = z.object({ resourceId: resourceIdSchema, name: printable(SNAPSHOT_LIMITS.nameLength), entraDeviceId: guidSchema.nullable() }).strict();
const userSchema = z
  .object({
    resourceId: resourceIdSchema,
    name: printable(SNAPSHOT_LIMITS.nameLength),
    userPrincipalName: printable(SNAPSHOT_LIMITS.userPrincipalNameLength).min(1).nullable(),
    entraObjectId: guidSchema.nullable(),
  })
  .strict();

const partHead = {
  collectionId: collectionIdSchema,
  snapshotId: snapshotIdSchema,
  part: z
    .number()
    .int()
    .min(0)
    .max(SNAPSHOT_LIMITS.parts - 1),
};
/** One member type's part; `members` checks the member list (in full, or only its length: see `partShellSchema`). */
const partOf = <K extends SnapshotMemberType, M extends z.ZodType>(memberType: K, members: M) =>
  z.object({ ...partHead, memberType: z.literal(memberType), members }).strict();
const memberList = <T extends z.ZodType>(member: T) =>
  z
    .array(member)
    .min(1, "a part holds at least one member (an empty collection commits 0 parts)")
    .max(SNAPSHOT_LIMITS.membersPerPart, `a part holds at most ${SNAPSHOT_LIMITS.membersPerPart} members`);

const UNSORTED = "members must be sorted by resourceId, each once";
/** The index of the first member not above the one before it, or -1 when all are sorted and unique. */
function firstUnsorted(members: readonly { resourceId: number }[]): number {
  for (let i = 1; i < members.length; i++) {
    if ((members[i] as { resourceId: number }).resourceId <= (members[i - 1] as { resourceId: number }).resourceId) return i;
  }
  return -1;
}
const sortedMembers = <T extends z.ZodType<{ resourceId: number }>>(member: T) =>
  memberList(member).superRefine((members, ctx) => {
    const at = firstUnsorted(members);
    if (at >= 0) ctx.addIssue({ code: "custom", path: [at, "resourceId"], message: UNSORTED });
  });

/** A part as the wire format defines it (docs/api.md "Snapshots"). `decodePart` checks the same, in slices. */
export const partSchema = z.discriminatedUnion("memberType", [partOf("device", sortedMembers(deviceSchema)), partOf("user", sortedMembers(userSchema))]);
export type SnapshotPart = z.output<typeof partSchema>;

/**
 * `partSchema` with each member left unchecked but the list's length: checked at once. The members themselves are
 * checked a slice at a time with a turn of the event loop between (validating 50,000 members takes ~100–250 ms,
 * long enough to stall health probes and the API while a collector uploads or a sync reads a snapshot).
 */
const partShellSchema = z.discriminatedUnion("memberType", [partOf("device", memberList(z.unknown())), partOf("user", memberList(z.unknown()))]);
const memberSchemas: Readonly<Record<SnapshotMemberType, z.ZodType<SnapshotMember>>> = { device: deviceSchema, user: userSchema };
/** Issues of the shell about `members` or a field after it come after the members' own issues, as in `partSchema`. */
const SHELL_KEYS = Object.keys(partOf("device", z.unknown()).shape);
const MEMBERS_KEY_AT = SHELL_KEYS.indexOf("members");

interface PartIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The part, or partSchema's issues in partSchema's order; the members are checked `SLICE` at a time. */
async function checkPart(value: unknown): Promise<{ part: SnapshotPart; issues?: never } | { issues: PartIssue[] }> {
  const shell = partShellSchema.safeParse(value);
  const memberType = (value as { memberType?: unknown } | null)?.memberType;
  const items = (value as { members?: unknown } | null)?.members;
  // No member type or no list: partSchema stops at those (and the shell, which then cannot have passed, says so).
  if (typeof memberType !== "string" || !Object.hasOwn(memberSchemas, memberType) || !Array.isArray(items)) return { issues: shell.error?.issues ?? [] };
  const members = await checkMembers(memberSchemas[memberType as SnapshotMemberType], items);
  if (shell.success && members.issues.length === 0 && members.order.length === 0) return { part: { ...shell.data, members: members.data } as SnapshotPart };
  const headIssues = shell.success ? [] : shell.error.issues;
  const rank = (issue: PartIssue) => (issue.path.length === 0 ? SHELL_KEYS.length : SHELL_KEYS.indexOf(String(issue.path[0])));
  const before = headIssues.filter((issue) => rank(issue) < MEMBERS_KEY_AT);
  const length = headIssues.filter((issue) => rank(issue) === MEMBERS_KEY_AT);
  const after = headIssues.filter((issue) => rank(issue) > MEMBERS_KEY_AT);
  return { issues: [...before, ...members.issues, ...length, ...members.order, ...after] };
}

/**
 * Each member checked by `schema` a slice at a time, then their order across slices, exactly as `partSchema` does:
 * not at all past the size limit, and the order only when no member's issue stops zod's checks (a wrong type does,
 * an unknown field or a malformed GUID does not).
 */
async function checkMembers(
  schema: z.ZodType<SnapshotMember>,
  items: readonly unknown[],
): Promise<{ data: SnapshotMember[]; issues: PartIssue[]; order: PartIssue[] }> {
  const issues: PartIssue[] = [];
  if (items.length > SNAPSHOT_LIMITS.membersPerPart) return { data: [], issues, order: [] };
  // Zod runs a list's own check, with the members as parsed (issues or not), exactly when the order would be checked.
  const checked: (readonly SnapshotMember[])[] = [];
  const list = z.array(schema).superRefine((members) => {
    checked.push(members);
  });
  let slices = 0;
  for (let from = 0; from < items.length; from += SLICE, slices++) {
    if (from > 0) await yieldToLoop();
    const parsed = list.safeParse(items.slice(from, from + SLICE));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) issues.push({ ...issue, path: ["members", from + Number(issue.path[0]), ...issue.path.slice(1)] });
    }
  }
  if (checked.length < slices) return { data: [], issues, order: [] };
  const data = checked.flat();
  const unsorted = firstUnsorted(data);
  return { data, issues, order: unsorted < 0 ? [] : [{ path: ["members", unsorted, "resourceId"], message: UNSORTED }] };
}

const isoInstant = z.iso.datetime({ offset: true });
/** LastMemberChangeTime as ConfigMgr wrote it: any of its ISO 8601 shapes (sourceTime.ts), or null for "never". */
const changeTimeSchema = z
  .string()
  .max(64)
  .refine((value) => parseSourceTime(value) !== null, "must be an ISO 8601 date and time")
  .nullable();
export const commitSchema = z
  .object({
    collectionId: collectionIdSchema,
    collection: z
      .object({
        name: printable(SNAPSHOT_LIMITS.nameLength),
        type: z.enum(["device", "user"]),
        memberCount: z.number().int().min(0).max(100_000_000),
        lastMemberChangeTime: changeTimeSchema,
      })
      .strict(),
    /** Members in all parts together; must equal the sum the parts hold. */
    members: z
      .number()
      .int()
      .min(0)
      .max(SNAPSHOT_LIMITS.parts * SNAPSHOT_LIMITS.membersPerPart),
    /** SMS_FullCollectionMembership rows read (user groups included): what a user collection's count is checked against. */
    rowsRead: z.number().int().min(0).max(100_000_000).optional(),
    parts: z.number().int().min(0).max(SNAPSHOT_LIMITS.parts),
    readStartedAt: isoInstant,
    readFinishedAt: isoInstant,
    collector: printable(SNAPSHOT_LIMITS.collectorLength).min(1),
  })
  .strict()
  .refine((commit) => Date.parse(commit.readStartedAt) <= Date.parse(commit.readFinishedAt), {
    message: "readStartedAt must not be after readFinishedAt",
    path: ["readStartedAt"],
  })
  .refine((commit) => (commit.members === 0) === (commit.parts === 0), {
    message: "an empty snapshot has 0 parts, and 0 parts hold 0 members",
    path: ["parts"],
  });
export type SnapshotCommit = z.output<typeof commitSchema>;

export const confirmSchema = z
  .object({
    memberCount: z.number().int().min(0).max(100_000_000),
    lastMemberChangeTime: changeTimeSchema,
    /** When the collector read SMS_Collection and found it unchanged. */
    checkedAt: isoInstant,
    collector: printable(SNAPSHOT_LIMITS.collectorLength).min(1),
  })
  .strict();
export type SnapshotConfirm = z.output<typeof confirmSchema>;

/** Why a part was refused: too big (413) or not a valid part (400). */
export class PartRejected extends Error {
  constructor(
    readonly tooLarge: boolean,
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "PartRejected";
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Inflates and validates one uploaded part. The inflated size is capped (node:zlib `maxOutputLength`), so a
 * gzip bomb costs at most that much memory before it is refused.
 */
export async function decodePart(compressed: Uint8Array): Promise<SnapshotPart> {
  if (compressed.length < 2 || compressed[0] !== GZIP_MAGIC[0] || compressed[1] !== GZIP_MAGIC[1]) {
    throw new PartRejected(false, "The part is not gzip data.");
  }
  let inflated: Buffer;
  try {
    inflated = await inflate(compressed, { maxOutputLength: SNAPSHOT_LIMITS.partInflatedBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new PartRejected(true, `The part inflates to more than ${SNAPSHOT_LIMITS.partInflatedBytes} bytes.`);
    }
    throw new PartRejected(false, "The part is not valid gzip data (corrupt or cut short).");
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(inflated));
  } catch {
    throw new PartRejected(false, "The part does not hold UTF-8 JSON.");
  }
  return parsePart(value);
}

/** A part as `JSON.parse` gave it, checked as `partSchema` checks it (refused with its first 10 issues). */
export async function parsePart(value: unknown): Promise<SnapshotPart> {
  const checked = await checkPart(value);
  if (checked.issues !== undefined) {
    const issues = checked.issues.slice(0, 10).map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
    throw new PartRejected(false, "The part is not a valid snapshot part.", issues);
  }
  return checked.part;
}

export function summariseMembers(part: SnapshotPart): PartSummary {
  const members = part.members as readonly { resourceId: number }[];
  return {
    part: part.part,
    memberType: part.memberType,
    members: members.length,
    firstResourceId: members[0]?.resourceId ?? 0,
    lastResourceId: members[members.length - 1]?.resourceId ?? 0,
    withoutEntraId: (part.members as readonly SnapshotMember[]).filter(lacksEntraId).length,
  };
}

/** A member the app cannot resolve in Entra: a device without AADDeviceID, a user with neither object id nor UPN. */
function lacksEntraId(member: SnapshotMember): boolean {
  return "entraDeviceId" in member ? member.entraDeviceId === null : member.entraObjectId === null && member.userPrincipalName === null;
}

/** The members of a decoded part, in the source adapter's shapes. */
export function membersOfPart(part: SnapshotPart): { memberType: SnapshotMemberType; members: SnapshotMember[] } {
  return { memberType: part.memberType, members: part.members };
}

/**
 * Splits sorted members into gzip parts of at most `membersPerPart` (collector side). A part that still comes
 * out larger than the upload limit is split again, so every part is accepted by size.
 */
export async function encodeParts(
  head: { collectionId: string; snapshotId: string; memberType: SnapshotMemberType },
  members: readonly SnapshotMember[],
  membersPerPart: number = 25_000,
): Promise<Buffer[]> {
  const sorted = [...members].sort((a, b) => a.resourceId - b.resourceId);
  const slices: SnapshotMember[][] = [];
  for (let i = 0; i < sorted.length; i += membersPerPart) slices.push(sorted.slice(i, i + membersPerPart));
  const parts: Buffer[] = [];
  for (const slice of slices) parts.push(...(await encodeSlice(head, slice, parts.length)));
  return parts;
}

async function encodeSlice(
  head: { collectionId: string; snapshotId: string; memberType: SnapshotMemberType },
  slice: SnapshotMember[],
  firstPart: number,
): Promise<Buffer[]> {
  const body = JSON.stringify({ ...head, part: firstPart, members: slice });
  const data = await deflate(Buffer.from(body, "utf8"), { level: zlibConstants.Z_BEST_COMPRESSION });
  if (data.length <= SNAPSHOT_LIMITS.partBytes || slice.length === 1) return [data];
  const half = Math.ceil(slice.length / 2);
  const first = await encodeSlice(head, slice.slice(0, half), firstPart);
  return [...first, ...(await encodeSlice(head, slice.slice(half), firstPart + first.length))];
}
