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
/** Sorted ascending, each once: so parts can be checked for overlap by their first and last resource id. */
function ascending<T>(key: (item: T) => number, what: string, path: (index: number) => (string | number)[]) {
  return (items: readonly T[], ctx: z.RefinementCtx) => {
    for (let i = 1; i < items.length; i++) {
      if (key(items[i] as T) <= key(items[i - 1] as T)) {
        ctx.addIssue({ code: "custom", path: path(i), message: `${what} must be sorted by resourceId, each once` });
        return;
      }
    }
  };
}
const memberOrder = ascending<{ resourceId: number }>(
  (m) => m.resourceId,
  "members",
  (i) => [i, "resourceId"],
);
const memberList = <T extends z.ZodType>(member: T) =>
  z.array(member).max(SNAPSHOT_LIMITS.membersPerPart, `a part holds at most ${SNAPSHOT_LIMITS.membersPerPart} members`);
const membersOf = <T extends z.ZodType<{ resourceId: number }>>(member: T) => memberList(member).superRefine(memberOrder);
/** A delta part's resource ids to take out of the base snapshot. */
const removedSchema = z
  .array(resourceIdSchema)
  .max(SNAPSHOT_LIMITS.membersPerPart, `a part removes at most ${SNAPSHOT_LIMITS.membersPerPart} members`)
  .superRefine(
    ascending<number>(
      (id) => id,
      "removed resource ids",
      (i) => [i],
    ),
  )
  .optional();

/** A full snapshot's part holds members; a delta's may hold only removals. Never neither. */
const notEmpty = (part: { members: readonly unknown[]; removed?: readonly number[] | undefined }) => part.members.length > 0 || (part.removed?.length ?? 0) > 0;
const notEmptyIssue = { message: "a part holds at least one member (an empty collection commits 0 parts)", path: ["members"] };

/** One member type's part; `members` checks the member list (in full, or only its length: see `partShellSchema`). */
const partOf = <K extends SnapshotMemberType, M extends z.ZodType>(memberType: K, members: M) =>
  z.object({ ...partHead, memberType: z.literal(memberType), members, removed: removedSchema }).strict();

/** A part as the wire format defines it (docs/api.md "Snapshots"). `decodePart` checks the same, its members in slices. */
export const partSchema = z
  .discriminatedUnion("memberType", [partOf("device", membersOf(deviceSchema)), partOf("user", membersOf(userSchema))])
  .refine(notEmpty, notEmptyIssue);
export type SnapshotPart = z.output<typeof partSchema>;

/**
 * `partSchema` with each member left unchecked but the list's length: checked at once. The members themselves are
 * checked a slice at a time with a turn of the event loop between (validating 50,000 members takes ~100–250 ms,
 * long enough to stall health probes and the API while a collector uploads or a sync reads a snapshot).
 */
const partShellSchema = z
  .discriminatedUnion("memberType", [partOf("device", memberList(z.unknown())), partOf("user", memberList(z.unknown()))])
  .refine(notEmpty, notEmptyIssue); // partSchema's own rules, all of them
/** The members' order, checked over all of a part's slices at once (a loop over resource ids: no copies). */
const memberOrderSchema = z.custom<readonly { resourceId: number }[]>().superRefine(memberOrder);
const memberSchemas: Readonly<Record<SnapshotMemberType, z.ZodType<SnapshotMember>>> = { device: deviceSchema, user: userSchema };
/** Where `members` stands among a part's fields: zod reports issues in the fields' order. */
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
  // The members' issues take the place of `members` among the fields; the shell's own issues about the list (too
  // long, empty) never come with member issues, as zod then checks no member.
  const rank = (issue: PartIssue) => (issue.path.length === 0 ? SHELL_KEYS.length : SHELL_KEYS.indexOf(String(issue.path[0])));
  const at = headIssues.findIndex((issue) => rank(issue) >= MEMBERS_KEY_AT);
  const split = at < 0 ? headIssues.length : at;
  return { issues: [...headIssues.slice(0, split), ...members.issues, ...members.order, ...headIssues.slice(split)] };
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
  const order = memberOrderSchema.safeParse(data);
  return { data, issues, order: order.success ? [] : order.error.issues.map((issue) => ({ ...issue, path: ["members", ...issue.path] })) };
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
    /**
     * A delta upload: the full snapshot whose members the parts change (removed ids out, members in). It must be
     * the collection's current snapshot or the base of the current one.
     */
    base: snapshotIdSchema.optional(),
    /** Members without an Entra id in the whole read: a delta's parts alone cannot tell the app. Required with `base`. */
    withoutEntraId: z.number().int().min(0).max(100_000_000).optional(),
    readStartedAt: isoInstant,
    readFinishedAt: isoInstant,
    collector: printable(SNAPSHOT_LIMITS.collectorLength).min(1),
  })
  .strict()
  .refine((commit) => Date.parse(commit.readStartedAt) <= Date.parse(commit.readFinishedAt), {
    message: "readStartedAt must not be after readFinishedAt",
    path: ["readStartedAt"],
  })
  .refine((commit) => commit.base !== undefined || (commit.members === 0) === (commit.parts === 0), {
    message: "an empty snapshot has 0 parts, and 0 parts hold 0 members",
    path: ["parts"],
  })
  .refine((commit) => commit.base === undefined || commit.parts <= SNAPSHOT_LIMITS.deltaParts, {
    message: `a delta (with base) has at most ${SNAPSHOT_LIMITS.deltaParts} parts; upload a larger change in full`,
    path: ["parts"],
  })
  .refine((commit) => commit.base === undefined || commit.withoutEntraId !== undefined, {
    message: "a delta (with base) says how many of its members lack an Entra id",
    path: ["withoutEntraId"],
  })
  .refine((commit) => commit.withoutEntraId === undefined || commit.withoutEntraId <= commit.members, {
    message: "withoutEntraId must not exceed members",
    path: ["withoutEntraId"],
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
  const removed = part.removed ?? [];
  const first = [members[0]?.resourceId, removed[0]].filter((id): id is number => id !== undefined);
  const last = [members[members.length - 1]?.resourceId, removed[removed.length - 1]].filter((id): id is number => id !== undefined);
  return {
    part: part.part,
    memberType: part.memberType,
    members: members.length,
    firstResourceId: first.length === 0 ? 0 : Math.min(...first),
    lastResourceId: last.length === 0 ? 0 : Math.max(...last),
    withoutEntraId: (part.members as readonly SnapshotMember[]).filter(lacksEntraId).length,
    removed: removed.length,
  };
}

/** A member the app cannot resolve in Entra: a device without AADDeviceID, a user with neither object id nor UPN. */
export function lacksEntraId(member: SnapshotMember): boolean {
  return "entraDeviceId" in member ? member.entraDeviceId === null : member.entraObjectId === null && member.userPrincipalName === null;
}

/** The members of a decoded part, in the source adapter's shapes. */
export function membersOfPart(part: SnapshotPart): { memberType: SnapshotMemberType; members: SnapshotMember[] } {
  return { memberType: part.memberType, members: part.members };
}

type PartHead = { collectionId: string; snapshotId: string; memberType: SnapshotMemberType };

/**
 * Splits sorted members into gzip parts of at most `membersPerPart` (collector side). A part that still comes
 * out larger than the upload limit is split again, so every part is accepted by size.
 */
export async function encodeParts(head: PartHead, members: readonly SnapshotMember[], membersPerPart: number = 25_000): Promise<Buffer[]> {
  const sorted = [...members].sort((a, b) => a.resourceId - b.resourceId);
  const parts: Buffer[] = [];
  for (let i = 0; i < sorted.length; i += membersPerPart) parts.push(...(await encodeSlice(head, sorted.slice(i, i + membersPerPart), [], parts.length)));
  return parts;
}

/**
 * A delta's parts (collector side): `members` to put in and `removed` ids to take out of the base, each sorted by
 * resource id; a member that changed is in both. At most `entriesPerPart` ids per part, the parts' id ranges
 * ascending and apart, and each part under the upload limit.
 */
export async function encodeDeltaParts(
  head: PartHead,
  members: readonly SnapshotMember[],
  removed: readonly number[],
  entriesPerPart: number = 25_000,
): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  let m = 0;
  let r = 0;
  while (m < members.length || r < removed.length) {
    const chunkMembers: SnapshotMember[] = [];
    const chunkRemoved: number[] = [];
    while (chunkMembers.length + chunkRemoved.length < entriesPerPart && (m < members.length || r < removed.length)) {
      const memberId = members[m]?.resourceId ?? Number.POSITIVE_INFINITY;
      const removedId = removed[r] ?? Number.POSITIVE_INFINITY;
      // A changed member's removal and its new record share an id: they go in the same part.
      if (removedId <= memberId) chunkRemoved.push(removed[r++] as number);
      if (memberId <= removedId) chunkMembers.push(members[m++] as SnapshotMember);
    }
    parts.push(...(await encodeSlice(head, chunkMembers, chunkRemoved, parts.length)));
  }
  return parts;
}

async function encodeSlice(head: PartHead, members: readonly SnapshotMember[], removed: readonly number[], firstPart: number): Promise<Buffer[]> {
  // A full snapshot's parts carry no `removed` at all: what every app version takes.
  const body = JSON.stringify({ ...head, part: firstPart, members, ...(removed.length === 0 ? {} : { removed }) });
  const data = await deflate(Buffer.from(body, "utf8"), { level: zlibConstants.Z_BEST_COMPRESSION });
  const boundary = splitPoint(members, removed);
  if (data.length <= SNAPSHOT_LIMITS.partBytes || boundary === null) return [data];
  const first = await encodeSlice(
    head,
    members.filter((member) => member.resourceId < boundary),
    removed.filter((id) => id < boundary),
    firstPart,
  );
  const second = await encodeSlice(
    head,
    members.filter((member) => member.resourceId >= boundary),
    removed.filter((id) => id >= boundary),
    firstPart + first.length,
  );
  return [...first, ...second];
}

/** A resource id that splits a too-large part into two non-empty ones; null when it holds a single id. */
function splitPoint(members: readonly SnapshotMember[], removed: readonly number[]): number | null {
  if (members.length >= 2) return (members[Math.ceil(members.length / 2)] as SnapshotMember).resourceId;
  if (removed.length >= 2) return removed[Math.ceil(removed.length / 2)] as number;
  const ids = [...members.map((member) => member.resourceId), ...removed];
  const highest = Math.max(...ids);
  return ids.some((id) => id < highest) ? highest : null;
}
