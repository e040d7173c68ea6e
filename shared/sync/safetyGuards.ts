import { createHash } from "node:crypto";
import type { SyncMode } from "../core/mapping.js";
import type { Guard } from "../core/syncRun.js";

export interface GuardInput {
  readonly mode: SyncMode;
  readonly toRemove: readonly string[];
  readonly sourceCount: number;
  /** Members of the synced type in the group before the run. */
  readonly groupCount: number;
  /** Collection size seen by the last successful run (null: never succeeded). */
  readonly lastSuccessSourceCount: number | null;
  /** Whether a run under this mode has ever succeeded for the mapping. */
  readonly hasSyncedInThisMode: boolean;
  readonly thresholdPercent: number;
  readonly thresholdCount: number;
  /** How old the source's picture is and how old it may be before removals wait (pushed snapshots only). */
  readonly sourceAge?: { readonly ageMs: number; readonly maxAgeMs: number };
}

export interface GuardVerdict {
  readonly guard: Guard;
  readonly message: string;
  /** Identifies this exact change; an approval applies to a change with the same fingerprint only. */
  readonly fingerprint: string;
}

/**
 * The guards of README "Safety guards", checked before any removal (a failed source read never gets this far: the run
 * aborts before diffing). Order matters: the most specific explanation wins.
 */
export function checkRemovalGuards(input: GuardInput): GuardVerdict | null {
  const removeCount = input.toRemove.length;
  if (removeCount === 0) return null;
  const block = (guard: Guard, message: string): GuardVerdict => ({ guard, message, fingerprint: changeFingerprint(guard, input.toRemove) });

  // Membership read from an old snapshot may have lost members since: nothing is removed on old evidence.
  if (input.sourceAge !== undefined && input.sourceAge.ageMs > input.sourceAge.maxAgeMs) {
    const minutes = (ms: number) => Math.floor(ms / 60_000);
    return block(
      "source-stale",
      `The collection's snapshot is ${minutes(input.sourceAge.ageMs)} minutes old (limit ${minutes(input.sourceAge.maxAgeMs)}): ${removeCount} removals wait for a fresh snapshot from the on-premises collector; adds went ahead.`,
    );
  }
  if (input.sourceCount === 0 && (input.lastSuccessSourceCount ?? 0) > 0) {
    return block(
      "source-empty",
      `The collection reads as empty although the last successful run saw ${input.lastSuccessSourceCount} members; removing all ${removeCount} members is blocked.`,
    );
  }
  if (input.mode === "mirror" && !input.hasSyncedInThisMode) {
    return block(
      "mirror-first-sync",
      `First mirror sync of a group that holds members outside the collection: ${removeCount} would be removed. Check the preview, then approve.`,
    );
  }
  const percent = input.groupCount === 0 ? 100 : (removeCount / input.groupCount) * 100;
  const overPercent = percent > input.thresholdPercent && removeCount > 10;
  const overCount = removeCount > input.thresholdCount;
  if (overPercent || overCount) {
    const why = overCount
      ? `more than the limit of ${input.thresholdCount} members`
      : `${percent.toFixed(1)} % of the group's ${input.groupCount} members, above the ${input.thresholdPercent} % threshold`;
    return block("removal-threshold", `Removing ${removeCount} members is ${why}; nothing was removed.`);
  }
  return null;
}

export function changeFingerprint(guard: Guard, ids: readonly string[]): string {
  const hash = createHash("sha256").update(guard);
  for (const id of [...ids].sort()) hash.update(`\n${id}`);
  return hash.digest("hex").slice(0, 32);
}
