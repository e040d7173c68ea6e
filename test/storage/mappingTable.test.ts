import { describe, expect, it } from "vitest";
import { AlreadyExistsError, ConcurrencyError, NotFoundError, ValidationError } from "../../shared/errors.js";
import type { Mapping, NewMapping } from "../../shared/core/mapping.js";
import { freshStores } from "./freshStores.js";
import { newMapping as baseMapping } from "../support/newMapping.js";

const GROUP_A = "0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
const GROUP_B = "1a2b3c4d-0000-4000-8000-000000000002";

function newMapping(overrides: Partial<NewMapping> = {}): NewMapping {
  return baseMapping({ collectionId: "PS100012", groupId: GROUP_A, collectionName: "All Windows 11 devices", groupName: "SG-Win11", ...overrides });
}

function groupId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("mapping table", () => {
  it("stores a mapping and reads back every field, nulls included", async () => {
    const { mappings } = freshStores();
    const created = await mappings.create(newMapping({ tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", removalThresholdCount: 25 }));
    expect(created.etag).not.toBe("");
    const read = await mappings.get({ collectionId: "PS100012", groupId: GROUP_A });
    expect(read).toEqual(created);
    expect(read?.removalThresholdPercent).toBeNull();
    expect(read?.removalThresholdCount).toBe(25);
  });

  it("answers null for a mapping that does not exist", async () => {
    const { mappings } = freshStores();
    expect(await mappings.get({ collectionId: "PS100012", groupId: GROUP_B })).toBeNull();
  });

  it("refuses a second mapping of the same collection and group", async () => {
    const { mappings } = freshStores();
    await mappings.create(newMapping());
    await expect(mappings.create(newMapping({ mode: "mirror" }))).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await mappings.get(newMapping()))?.mode).toBe("additive");
  });

  it("updates with the current etag and refuses a stale one", async () => {
    const { mappings } = freshStores();
    const original = await mappings.create(newMapping());
    const updated = await mappings.update({ ...original, mode: "managed", groupName: null });
    expect(updated.etag).not.toBe(original.etag);
    expect(await mappings.get(original)).toEqual(updated);
    await expect(mappings.update({ ...original, enabled: false })).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await mappings.get(original))?.enabled).toBe(true);
  });

  it("reports an update of a deleted mapping as not found", async () => {
    const { mappings } = freshStores();
    const original = await mappings.create(newMapping());
    await mappings.delete(original);
    await expect(mappings.update(original)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("deletes only with the current etag when one is given", async () => {
    const { mappings } = freshStores();
    const original = await mappings.create(newMapping());
    await mappings.update({ ...original, enabled: false });
    await expect(mappings.delete(original, original.etag)).rejects.toBeInstanceOf(ConcurrencyError);
    const current = (await mappings.get(original)) as Mapping;
    await mappings.delete(current, current.etag);
    expect(await mappings.get(original)).toBeNull();
    await expect(mappings.delete(original)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("pages through mappings with opaque continuation tokens", async () => {
    const { mappings } = freshStores();
    await Promise.all(Array.from({ length: 7 }, (_, i) => mappings.create(newMapping({ groupId: groupId(i) }))));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await mappings.list({ pageSize: 3, continuationToken: token });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((m) => m.groupId));
      token = page.continuationToken;
      pages += 1;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => groupId(i)));
  });

  it("filters by collection and by enabled, and listAll reads every page", async () => {
    const { mappings } = freshStores();
    await mappings.create(newMapping({ collectionId: "PS100012", groupId: groupId(1) }));
    await mappings.create(newMapping({ collectionId: "PS100012", groupId: groupId(2), enabled: false }));
    await mappings.create(newMapping({ collectionId: "PS100013", groupId: groupId(3) }));
    const inCollection = await mappings.list({ collectionId: "PS100012" });
    expect(inCollection.items.map((m) => m.groupId).sort()).toEqual([groupId(1), groupId(2)]);
    const enabled = await collect(mappings.listAll({ enabledOnly: true }));
    expect(enabled.map((m) => m.groupId).sort()).toEqual([groupId(1), groupId(3)]);
    const enabledInCollection = await collect(mappings.listAll({ collectionId: "PS100012", enabledOnly: true }));
    expect(enabledInCollection.map((m) => m.groupId)).toEqual([groupId(1)]);
  });

  it("treats a quote in a filter value as data, not as query syntax", async () => {
    const { mappings } = freshStores();
    await mappings.create(newMapping());
    const page = await mappings.list({ collectionId: "x' or PartitionKey ne 'y" });
    expect(page.items).toEqual([]);
  });

  it("rejects a continuation token it did not issue as a validation error", async () => {
    const { mappings } = freshStores();
    const forged = [
      "not a token!",
      Buffer.from("{}").toString("base64url"),
      Buffer.from(JSON.stringify({ list: "mappings", sdk: "%%%" })).toString("base64url"),
      Buffer.from(JSON.stringify({ list: "mappings", sdk: Buffer.from("[1]").toString("base64") })).toString("base64url"),
      Buffer.from(JSON.stringify({ list: "runs", sdk: Buffer.from('{"nextPartitionKey":"a"}').toString("base64") })).toString("base64url"),
    ];
    for (const continuationToken of forged) {
      await expect(mappings.list({ continuationToken })).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it("rejects page sizes outside 1 to 1000", async () => {
    const { mappings } = freshStores();
    await expect(mappings.list({ pageSize: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(mappings.list({ pageSize: 1001 })).rejects.toBeInstanceOf(ValidationError);
    await expect(mappings.list({ pageSize: 2.5 })).rejects.toBeInstanceOf(ValidationError);
  });

  it("refuses keys with characters Table Storage forbids and writes nothing", async () => {
    const { mappings } = freshStores();
    for (const bad of ["PS1/0012", "PS1\\0012", "PS1#0012", "PS1?0012", "PS1\n0012", ""]) {
      await expect(mappings.create(newMapping({ collectionId: bad }))).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(mappings.get({ collectionId: "PS100012", groupId: "a#b" })).rejects.toBeInstanceOf(ValidationError);
    expect((await mappings.list()).items).toEqual([]);
  });
});
