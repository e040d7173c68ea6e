import { describe, expect, it } from "vitest";
import type { Mapping } from "../../shared/core/mapping.js";
import { stateChangeNotifications } from "../../shared/notify/stateChanges.js";
import { initialState, type BlockedChange, type MappingState } from "../../shared/core/ports/mappingState.js";
import type { SyncRun } from "../../shared/core/syncRun.js";
import { finishedRun } from "../api/runFixture.js";
import { newMapping } from "../support/newMapping.js";

const mapping: Mapping = { ...newMapping({ collectionId: "PS100020", groupId: "00000009-0000-4000-8000-000000000001" }), etag: "e" };
const before: MappingState = {
  ...initialState("PS100020_00000009-0000-4000-8000-000000000001"),
  lastRunAt: "2025-03-10T09:00:01.000Z",
  lastRunStatus: "succeeded",
};
const run = (status: SyncRun["status"]): SyncRun => ({ ...finishedRun(mapping, Date.parse("2025-03-10T09:05:00.000Z"), "r2"), status });
const block = (guard: BlockedChange["guard"]): BlockedChange => ({
  guard,
  message: "Held back.",
  fingerprint: "f",
  removeCount: 12,
  at: "2025-03-10T09:05:01.000Z",
});
const kinds = (after: MappingState, status: SyncRun["status"], from: MappingState = before) =>
  stateChangeNotifications({ before: from, after, run: run(status), mapping }, { baseUrl: null }).map((n) => n.kind);

describe("which state changes notify", () => {
  it("a run that leaves the state as it was notifies nothing", () => {
    expect(kinds({ ...before, lastRunAt: "2025-03-10T09:05:01.000Z" }, "succeeded")).toEqual([]);
    const blocked = { ...before, blocked: block("removal-threshold") };
    expect(kinds({ ...blocked, blocked: { ...block("removal-threshold"), fingerprint: "other" } }, "blocked", blocked)).toEqual([]);
  });

  it("a guard that changes is a new block", () => {
    expect(kinds({ ...before, blocked: block("source-empty") }, "blocked", { ...before, blocked: block("removal-threshold") })).toEqual(["blocked"]);
  });

  it("removals held back for an old collector snapshot send one snapshot-stale, not also degraded", () => {
    expect(kinds({ ...before, health: "degraded", blocked: block("source-stale") }, "blocked")).toEqual(["snapshot-stale"]);
  });

  it("degraded straight to quarantined sends quarantined only", () => {
    expect(kinds({ ...before, health: "quarantined", consecutiveFailures: 10 }, "failed")).toEqual(["quarantined"]);
  });

  it("keys one change the same way however often it is computed, and another change differently", () => {
    const after = { ...before, blocked: block("removal-threshold") };
    const key = () => stateChangeNotifications({ before, after, run: run("blocked"), mapping }, { baseUrl: null })[0]?.key;
    expect(key()).toBe(key());
    expect(key()).toBe("blocked_PS100020_00000009-0000-4000-8000-000000000001_20250310090001000");
    const later = stateChangeNotifications(
      { before: { ...before, lastRunAt: "2025-03-10T09:10:00.000Z" }, after, run: run("blocked"), mapping },
      { baseUrl: null },
    );
    expect(later[0]?.key).not.toBe(key());
  });
});
