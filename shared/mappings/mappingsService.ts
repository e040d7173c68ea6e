import type { MembershipSourceProvider } from "../core/ports/membershipSource.js";
import { AlreadyExistsError, ConcurrencyError, NotFoundError, ValidationError } from "../errors.js";
import type { DirectoryProvider } from "../core/ports/directory.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../core/ports/clock.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { MappingStateStore } from "../core/ports/mappingState.js";
import type { RunStore } from "../core/ports/runStore.js";
import { mappingKeyOf, type MappingRef } from "../core/ids.js";
import type { Mapping, NewMapping } from "../core/mapping.js";
import type { CreateMappingInput, UpdateMappingInput } from "./mappingInput.js";
import type { ListMappingsOptions, MappingPage, MappingStore } from "../core/ports/mappingStore.js";
import { checkCollection, checkGroup, type CollectionLookup } from "./targetChecks.js";
import { reinstateMapping } from "../sync/reinstate.js";

export interface MappingsServiceDeps {
  readonly mappings: MappingStore;
  readonly state: MappingStateStore;
  readonly runs: RunStore;
  readonly ledger: Ledger;
  readonly sources: MembershipSourceProvider;
  readonly directories: DirectoryProvider;
  readonly clock: Clock;
  readonly log: Logger;
  /** SOURCE_MODE=pushed: the collector's collection catalog, which names collections not uploaded yet. */
  readonly siteCatalog?: CollectionLookup;
}

/** The ETag the caller last saw (`*` = any); null = no precondition. */
export interface WriteOptions {
  readonly expectedEtag: string | null;
  readonly by: string;
}

/** Managing mappings, the same for the HTTP API and the CLI. Throws the typed errors of ../errors.ts. */
export interface MappingsService {
  /** Checks the collection (ConfigMgr) and the group (Graph) before anything is stored. */
  create(input: CreateMappingInput, by: string): Promise<Mapping>;
  /** The mapping `create` would store, after the same checks, without storing it (for a preview). */
  draft(input: CreateMappingInput, by: string): Promise<Mapping>;
  get(ref: MappingRef): Promise<Mapping>;
  list(options: ListMappingsOptions): Promise<MappingPage>;
  update(ref: MappingRef, changes: UpdateMappingInput, options: WriteOptions): Promise<Mapping>;
  /** Deletes the mapping, then its state, ledger and run history. Group members are left as they are. */
  remove(ref: MappingRef, options: WriteOptions): Promise<void>;
}

/** Weak comparison (RFC 9110 §8.8.3.2): `W/` does not matter for "did it change since I read it". */
export function etagMatches(expected: string, current: string): boolean {
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return expected.trim() === "*" || strip(expected) === strip(current);
}

function hybridOnlyForDevices(memberType: Mapping["memberType"], includeHybridJoined: boolean): void {
  if (includeHybridJoined && memberType !== "device") {
    throw new ValidationError("includeHybridJoined applies to device collections only");
  }
}

export function createMappingsService(deps: MappingsServiceDeps): MappingsService {
  const describe = (ref: MappingRef) => `Mapping ${ref.collectionId} → ${ref.groupId}`;

  async function current(ref: MappingRef, expectedEtag: string | null): Promise<Mapping> {
    const mapping = await deps.mappings.get(ref);
    if (mapping === null) throw new NotFoundError(`${describe(ref)} does not exist.`);
    if (expectedEtag !== null && !etagMatches(expectedEtag, mapping.etag)) {
      throw new ConcurrencyError(`${describe(ref)} was changed by someone else since you read it (ETag ${mapping.etag}). Read it again.`);
    }
    return mapping;
  }

  /** The new mapping after every check creation makes; nothing stored. */
  async function checked(input: CreateMappingInput, by: string): Promise<NewMapping> {
    const ref = { collectionId: input.collectionId, groupId: input.groupId };
    // Cheap duplicate check first: a 409 should not cost a ConfigMgr and a Graph call. The store's insert
    // still refuses a duplicate that races past this check.
    if ((await deps.mappings.get(ref)) !== null) throw new AlreadyExistsError(`${describe(ref)} already exists.`);
    const collection = await checkCollection(deps.sources, input.collectionId, input.memberType, deps.siteCatalog);
    hybridOnlyForDevices(collection.memberType, input.includeHybridJoined);
    const group = await checkGroup(deps.directories, input.tenantId, input.groupId, collection.memberType);
    const now = new Date(deps.clock.now()).toISOString();
    return {
      ...input,
      collectionName: collection.info?.name ?? collection.name ?? null,
      groupName: group.displayName,
      memberType: collection.memberType,
      createdAt: now,
      createdBy: by,
      updatedAt: now,
      updatedBy: by,
    };
  }

  /**
   * A mapping deleted earlier may have left its records behind (the delete's clean-up failed, see remove()). A new
   * mapping with the same key must start clean: an old ledger would let `managed` mode remove members this
   * mapping never added, an old block or quarantine would stop it for a reason it never had. Done before the
   * mapping is stored, so no scheduler tick can pick it up with the old state; if it fails, nothing is created.
   */
  async function clearLeftovers(mappingKey: string): Promise<void> {
    await Promise.all([deps.state.delete(mappingKey), deps.ledger.deleteAll(mappingKey), deps.runs.deleteAll(mappingKey)]);
  }

  return {
    async draft(input, by) {
      return { ...(await checked(input, by)), etag: "" };
    },

    async create(input, by) {
      const ref = { collectionId: input.collectionId, groupId: input.groupId };
      const draft = await checked(input, by);
      await clearLeftovers(mappingKeyOf(ref));
      const created = await deps.mappings.create(draft);
      deps.log.info("mapping created", { mappingKey: mappingKeyOf(ref), mode: created.mode, memberType: created.memberType, by });
      return created;
    },

    async get(ref) {
      return current(ref, null);
    },

    list(options) {
      return deps.mappings.list(options);
    },

    async update(ref, changes, options) {
      const before = await current(ref, options.expectedEtag);
      const next: Mapping = {
        ...before,
        mode: changes.mode ?? before.mode,
        enabled: changes.enabled ?? before.enabled,
        includeHybridJoined: changes.includeHybridJoined ?? before.includeHybridJoined,
        removalThresholdPercent: changes.removalThresholdPercent === undefined ? before.removalThresholdPercent : changes.removalThresholdPercent,
        removalThresholdCount: changes.removalThresholdCount === undefined ? before.removalThresholdCount : changes.removalThresholdCount,
        notify: changes.notify ?? before.notify,
        updatedAt: new Date(deps.clock.now()).toISOString(),
        updatedBy: options.by,
      };
      hybridOnlyForDevices(next.memberType, next.includeHybridJoined);
      // `before.etag` is what we read: a write that slipped in since makes the store answer 412.
      const updated = await deps.mappings.update(next);
      const mappingKey = mappingKeyOf(ref);
      const changed = Object.keys(changes).filter((key) => changes[key as keyof UpdateMappingInput] !== undefined);
      deps.log.info("mapping updated", { mappingKey, changed, by: options.by });
      if (before.mode !== updated.mode) {
        // A mode change decides whether members get removed (README "Modes"): always leave a trail of who did it.
        deps.log.warn("mapping mode changed", { mappingKey, from: before.mode, to: updated.mode, by: options.by });
      }
      if (changes.enabled === true) {
        const reinstated = await reinstateMapping(deps.state, mappingKey);
        if (reinstated) deps.log.warn("mapping re-enabled: failure count and quarantine cleared", { mappingKey, by: options.by });
      }
      return updated;
    },

    async remove(ref, options) {
      const mapping = await current(ref, options.expectedEtag);
      await deps.mappings.delete(ref, mapping.etag);
      const mappingKey = mappingKeyOf(ref);
      deps.log.info("mapping deleted", { mappingKey, by: options.by });
      // The mapping is gone either way; leftovers are reported, not hidden, and a failure here must not
      // turn a completed delete into an error the caller would retry against a 404.
      const cleanups = await Promise.allSettled([deps.state.delete(mappingKey), deps.ledger.deleteAll(mappingKey), deps.runs.deleteAll(mappingKey)]);
      const failed = cleanups.flatMap((result, index) =>
        result.status === "rejected" ? [{ part: ["state", "ledger", "runs"][index], error: String(result.reason) }] : [],
      );
      if (failed.length > 0) deps.log.error("mapping deleted but some of its records remain", { mappingKey, failed });
    },
  };
}
