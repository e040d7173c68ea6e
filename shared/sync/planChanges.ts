import type { SyncMode } from "../core/mapping.js";
import { forEachSliced } from "../eventLoop.js";

export interface PlannedChanges {
  readonly toAdd: string[];
  readonly toRemove: string[];
  /** Desired members the group already holds. */
  readonly alreadyPresent: number;
  /** Ledger entries for members no longer in the group (removed by hand) and not added back: forget them. */
  readonly staleLedger: string[];
}

/**
 * The diff of README "Modes": `additive` only adds; `managed` also removes members that left the collection but
 * only those our ledger says we added; `mirror` makes the group equal the collection (for the member type
 * the mapping syncs: a device collection never removes users, and vice versa).
 */
export async function planChanges(
  mode: SyncMode,
  desired: ReadonlySet<string>,
  current: ReadonlySet<string>,
  ledger: ReadonlySet<string>,
): Promise<PlannedChanges> {
  const toAdd: string[] = [];
  let alreadyPresent = 0;
  // Each loop may run over a million members: sliced, so the process keeps answering meanwhile.
  await forEachSliced(desired, (id) => {
    if (current.has(id)) alreadyPresent += 1;
    else toAdd.push(id);
  });
  const toRemove: string[] = [];
  if (mode !== "additive") {
    await forEachSliced(current, (id) => {
      if (!desired.has(id) && (mode === "mirror" || ledger.has(id))) toRemove.push(id);
    });
  }
  // A member we added that was taken out by hand but is still wanted is added again in this run: still ours.
  const staleLedger: string[] = [];
  await forEachSliced(ledger, (id) => {
    if (!current.has(id) && !desired.has(id)) staleLedger.push(id);
  });
  return { toAdd, toRemove, alreadyPresent, staleLedger };
}
