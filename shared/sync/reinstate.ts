import { ConcurrencyError } from "../errors.js";
import type { MappingState, MappingStateStore } from "../core/ports/mappingState.js";

/**
 * Re-enabling a mapping is how an admin says "I fixed it": a quarantined or degraded mapping starts over with
 * a clean failure count, so the scheduler plans it again (README "Safety guards": quarantine lasts until re-enabled).
 */
export async function reinstateMapping(store: MappingStateStore, mappingKey: string): Promise<MappingState | null> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const state = await store.get(mappingKey);
    if (state.health === "healthy" && state.consecutiveFailures === 0) return null;
    try {
      return await store.save({ ...state, health: "healthy", consecutiveFailures: 0 });
    } catch (error) {
      // A run finished in between: read its state and try again.
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  throw new ConcurrencyError(`Mapping state ${mappingKey} kept changing; re-enable it again.`);
}
