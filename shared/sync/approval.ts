import { NotFoundError } from "../errors.js";
import type { Logger } from "../logger.js";
import { mappingKeyOf, type MappingRef } from "../core/ids.js";
import type { Clock } from "../core/ports/clock.js";
import type { MappingState, MappingStateStore } from "../core/ports/mappingState.js";

/**
 * Lets exactly the change a guard blocked through, once: the approval carries the blocked change's
 * fingerprint, and the next run applies it only if it would make that same change (README "Safety guards").
 */
export async function approveBlockedChange(deps: { state: MappingStateStore; clock: Clock; log: Logger }, ref: MappingRef, by: string): Promise<MappingState> {
  const key = mappingKeyOf(ref);
  const state = await deps.state.get(key);
  if (!state.blocked) throw new NotFoundError(`Mapping ${ref.collectionId} → ${ref.groupId} has no blocked change to approve.`);
  const approval = { by, at: new Date(deps.clock.now()).toISOString(), fingerprint: state.blocked.fingerprint };
  const saved = await deps.state.save({ ...state, approval });
  deps.log.warn("Blocked change approved", {
    mappingKey: key,
    guard: state.blocked.guard,
    removeCount: state.blocked.removeCount,
    approvedBy: by,
  });
  return saved;
}
