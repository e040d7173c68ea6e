import { describe, expect, it } from "vitest";
import { PartRejected, parsePart, partSchema } from "../../shared/snapshots/snapshotFormat.js";
import { DEVICE_COLLECTION, guid, range } from "../support/fixtures.js";
import { snapshotDevice } from "./snapshotUploads.js";

const SNAPSHOT_ID = guid(7, 1);
const devicePart = (members: unknown[], extra: Record<string, unknown> = {}) => ({
  collectionId: DEVICE_COLLECTION,
  snapshotId: SNAPSHOT_ID,
  part: 0,
  memberType: "device",
  members,
  ...extra,
});
const devices = (from: number, to: number) => range(from, to).map((n) => snapshotDevice(n));

/** The issues the app answers a refused part with (its first 10), or "accepted". */
async function issuesOf(value: unknown): Promise<{ path: string; message: string }[] | "accepted"> {
  try {
    await parsePart(value);
    return "accepted";
  } catch (error) {
    if (!(error instanceof PartRejected)) throw error;
    return [...error.issues];
  }
}

/** What the part's schema says of the same part, checked in one go. */
function schemaIssuesOf(value: unknown): { path: string; message: string }[] | "accepted" {
  const parsed = partSchema.safeParse(value);
  if (parsed.success) return "accepted";
  return parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** Turns of the event loop taken while `work` runs (it does no I/O: every turn is one it gave). */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const turn = () => {
    if (!running) return;
    turns += 1;
    setImmediate(turn);
  };
  setImmediate(turn);
  const result = await work();
  running = false;
  return { result, turns };
}

describe("checking an uploaded snapshot part", () => {
  it("lets the event loop turn while it checks a 50,000-member part, so health probes and the API keep answering", async () => {
    const members = devices(1, 50_000);
    const { result, turns } = await turnsDuring(() => parsePart(devicePart(members)));
    expect(result.members).toHaveLength(50_000);
    expect(result.members.map((member) => member.resourceId)).toEqual(members.map((member) => member.resourceId));
    // A turn at least every 5,000 members.
    expect(turns).toBeGreaterThanOrEqual(9);
  });

  it("names the first member out of order even when the one before it was checked in an earlier slice", async () => {
    const members = [...devices(1, 5_000), snapshotDevice(3), ...devices(5_001, 6_000)];
    expect(await issuesOf(devicePart(members))).toEqual([{ path: "members.5000.resourceId", message: "members must be sorted by resourceId, each once" }]);
  });

  it("refuses a part with exactly the issues its schema names, wherever in the part the bad members are", async () => {
    const badGuidAt = (index: number) => (member: ReturnType<typeof snapshotDevice>, i: number) =>
      i === index ? { ...member, entraDeviceId: "not-a-guid" } : member;
    const parts: Record<string, unknown> = {
      "12,001 good members": devicePart(devices(1, 12_001)),
      "a repeated member after a slice boundary": devicePart([...devices(1, 5_000), snapshotDevice(5_000), ...devices(5_001, 5_100)]),
      "a malformed GUID in a later slice, and a member out of order": devicePart([...devices(1, 12_000).map(badGuidAt(11_000)), snapshotDevice(2)]),
      "a resourceId of the wrong type, and a member out of order": devicePart([
        ...devices(1, 6_000).map((member, i) => (i === 5_500 ? { ...member, resourceId: "5501" } : member)),
        snapshotDevice(3),
      ]),
      "a negative resourceId in a later slice": devicePart(devices(1, 6_000).map((member, i) => (i === 5_500 ? { ...member, resourceId: -3 } : member))),
      "an unknown field on a member and on the part, a bad snapshot id": devicePart([snapshotDevice(2), { ...snapshotDevice(1), isAdmin: true }], {
        snapshotId: "not-a-guid",
        uploadedBy: "someone",
      }),
      "a bad member in every slice": devicePart(devices(1, 20_000).map((member, i) => (i % 1_500 === 0 ? { ...member, resourceId: 0 } : member))),
      "50,001 members, one of them bad": devicePart([...devices(1, 50_000), { resourceId: 1.5 }]),
      "no members and a bad part number": devicePart([], { part: -1 }),
      "no members nor removals, and an unknown field": devicePart([], { uploadedBy: "someone" }),
      "only removals (a delta's part)": devicePart([], { removed: [3, 9, 12] }),
      "removals out of order, and a member out of order in a later slice": devicePart([...devices(1, 6_000), snapshotDevice(2)], { removed: [9, 3] }),
      "users where devices are announced": devicePart([{ resourceId: 1, name: "ann", userPrincipalName: "ann@contoso.com", entraObjectId: null }]),
      "a user part with a name too long": {
        ...devicePart([{ resourceId: 2, name: "n".repeat(300), userPrincipalName: null, entraObjectId: null }]),
        memberType: "user",
      },
      "another member type": devicePart(devices(1, 3), { memberType: "group" }),
      "members that are not a list": devicePart([], { members: { 1: snapshotDevice(1) } }),
      "not an object": [devices(1, 3)],
    };
    for (const [name, part] of Object.entries(parts)) {
      expect({ name, issues: await issuesOf(part) }).toEqual({ name, issues: schemaIssuesOf(part) });
    }
  });
});
