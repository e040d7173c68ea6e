import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withoutUnresolved, type SourceIdentity } from "../../shared/configmgr/sourceIdentityCache.js";
import type { Logger } from "../../shared/logger.js";
import { createSourceIdentityFile } from "../../shared/storage/sourceIdentityFile.js";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const DAY = 24 * 60 * 60 * 1000;

const laptop: SourceIdentity = {
  resourceId: 16777301,
  name: "PC-001",
  entraId: "6f1b1b1e-3c1d-4f7a-9a3e-2b9f6c1d0e11",
  userPrincipalName: null,
  checkedAt: T0,
};
const unjoined: SourceIdentity = { resourceId: 16777302, name: "PC-002", entraId: null, userPrincipalName: null, checkedAt: T0 };
const guest: SourceIdentity = { resourceId: 2063597001, name: "CONTOSO\\anne", entraId: null, userPrincipalName: "anne@contoso.com", checkedAt: T0 };

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "collection-sync-identities-"));
  folders.push(dir);
  return dir;
}

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info: () => {}, error: () => {}, warn: (message) => warnings.push(message), warnings };
}

function open(path: string, options: { retainMs?: number; maxIdentities?: number; log?: Logger } = {}) {
  return createSourceIdentityFile({
    path,
    retainMs: options.retainMs ?? 2 * DAY,
    log: options.log ?? recordingLog(),
    ...(options.maxIdentities === undefined ? {} : { maxIdentities: options.maxIdentities }),
  });
}

describe("source identity file (the collector's data folder)", () => {
  it("remembers devices and users across a restart, kept apart", async () => {
    const path = join(folder(), "source-identities.json");
    const before = open(path);
    await before.putMany("device", [laptop, unjoined]);
    await before.putMany("user", [guest]);

    const after = open(path);
    const devices = await after.getMany("device", [laptop.resourceId, unjoined.resourceId, 16777999]);
    expect([...devices.values()]).toEqual([laptop, unjoined]);
    expect((await after.getMany("user", [guest.resourceId])).get(guest.resourceId)).toEqual(guest);
    expect((await after.getMany("user", [laptop.resourceId])).size).toBe(0);
  });

  it("keeps the later of two looks at the same member", async () => {
    const cache = open(join(folder(), "ids.json"));
    const joinedLater = { ...unjoined, entraId: "7e2c2c2f-0000-4000-8000-000000000002", checkedAt: T0 + DAY };
    await cache.putMany("device", [joinedLater]);
    await cache.putMany("device", [unjoined]);
    expect((await cache.getMany("device", [unjoined.resourceId])).get(unjoined.resourceId)).toEqual(joinedLater);
  });

  it("starts empty with a warning when the file is damaged, and replaces it on the next write", async () => {
    const path = join(folder(), "ids.json");
    writeFileSync(path, "\u0000\u0001 not json");
    const log = recordingLog();
    const cache = open(path, { log });
    expect((await cache.getMany("device", [laptop.resourceId])).size).toBe(0);
    expect(log.warnings).toEqual(["the source identity cache is damaged: starting empty (every member is looked up once)"]);
    await cache.putMany("device", [laptop]);
    expect((await open(path).getMany("device", [laptop.resourceId])).get(laptop.resourceId)).toEqual(laptop);
  });

  it("starts empty with a warning when the file has another shape (a future version)", async () => {
    const path = join(folder(), "ids.json");
    writeFileSync(path, JSON.stringify({ version: 2, device: [], user: [] }));
    const log = recordingLog();
    expect((await open(path, { log }).getMany("device", [1])).size).toBe(0);
    expect(log.warnings).toHaveLength(1);
  });

  it("starts empty with a warning when the path cannot be read, and the pass goes on when it cannot be written", async () => {
    const dir = folder();
    const path = join(dir, "ids.json");
    // A folder where the file should be: unreadable as a file, and a rename cannot replace it.
    mkdirSync(path);
    const log = recordingLog();
    const cache = open(path, { log });
    await cache.putMany("device", [laptop]);
    expect((await cache.getMany("device", [laptop.resourceId])).get(laptop.resourceId)).toEqual(laptop);
    expect(log.warnings).toEqual([
      "the source identity cache could not be read: starting empty (every member is looked up once)",
      "the source identity cache could not be written",
    ]);
  });

  it("writes through a temporary file it leaves nothing of", async () => {
    const dir = folder();
    const cache = open(join(dir, "ids.json"));
    await Promise.all([cache.putMany("device", [laptop]), cache.putMany("device", [unjoined]), cache.putMany("user", [guest])]);
    expect(readdirSync(dir)).toEqual(["ids.json"]);
    const saved = JSON.parse(readFileSync(join(dir, "ids.json"), "utf8"));
    expect([saved.device.length, saved.user.length]).toEqual([2, 1]);
  });

  it("stays bounded: forgets members not looked at within the retention, then the least recently checked", async () => {
    const path = join(folder(), "ids.json");
    const aged = open(path, { retainMs: DAY });
    await aged.putMany("device", [laptop]);
    await aged.putMany("device", [{ ...unjoined, checkedAt: T0 + 2 * DAY }]);
    expect([...(await open(path).getMany("device", [laptop.resourceId, unjoined.resourceId])).keys()]).toEqual([unjoined.resourceId]);

    const small = open(join(folder(), "ids.json"), { maxIdentities: 2 });
    await small.putMany("device", [laptop, { ...unjoined, checkedAt: T0 + 1 }]);
    await small.putMany("user", [{ ...guest, checkedAt: T0 + 2 }]);
    expect([...(await small.getMany("device", [laptop.resourceId, unjoined.resourceId])).keys()]).toEqual([unjoined.resourceId]);
    expect((await small.getMany("user", [guest.resourceId])).size).toBe(1);
  });

  it("as a re-check sees it: members remembered without an Entra id read as never seen", async () => {
    const cache = open(join(folder(), "ids.json"));
    await cache.putMany("device", [laptop, unjoined]);
    expect([...(await withoutUnresolved(cache).getMany("device", [laptop.resourceId, unjoined.resourceId])).keys()]).toEqual([laptop.resourceId]);
  });
});
