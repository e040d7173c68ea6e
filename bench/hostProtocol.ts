/** Messages between the bench and its simulated-tenant child process (simulatorHost.ts). */
import type { GrantedWrites } from "../simulator/index.js";
import type { BenchOptions } from "./options.js";
import type { SeedKind } from "./seeds.js";

export type HostRequest =
  | { readonly op: "start"; readonly kind: SeedKind; readonly options: BenchOptions }
  | { readonly op: "counters" | "resetCounters" | "lastSeq" | "joinCollection" | "close" }
  | { readonly op: "acceptedWrites"; readonly afterSeq: number }
  | { readonly op: "minimalWriteTimeMs"; readonly writes: number }
  | { readonly op: "groupSize"; readonly groupId: string }
  | { readonly op: "grantWrites"; readonly granted: GrantedWrites | null }
  | { readonly op: "growCollection"; readonly members: number };

export type HostReply =
  { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: string };
