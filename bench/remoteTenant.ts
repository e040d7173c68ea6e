/** The bench's handle on a simulated tenant running in a child process (simulatorHost.ts). */
import { fork, type ChildProcess } from "node:child_process";
import type { GrantedWrites, LargeSeedIds, SimulatorCounters } from "../simulator/index.js";
import type { HostReply, HostRequest } from "./hostProtocol.js";
import type { BenchOptions } from "./options.js";
import type { SeedKind } from "./seeds.js";

export interface BenchTenant {
  readonly graphBaseUrl: string;
  readonly adminServiceUrl: string;
  readonly ids: LargeSeedIds;
  /** S5's mappings (empty for the other tenants). */
  readonly fleet: readonly { readonly collectionId: string; readonly groupId: string }[];
  /** Members of the naive slice (0 for the sync tenant). */
  readonly sliceMembers: number;
  counters(): Promise<SimulatorCounters>;
  resetCounters(): Promise<void>;
  /** Sequence number of the last logged request (0 when none). */
  lastSeq(): Promise<number>;
  /** Write (sub-)requests Graph charged (not refused with 429) after `afterSeq`. */
  acceptedWrites(afterSeq: number): Promise<number>;
  minimalWriteTimeMs(writes: number): Promise<number>;
  /** S3 / S3u: the joining devices or users become collection members. */
  joinCollection(): Promise<void>;
  groupSize(groupId: string): Promise<number>;
  /** S9: the joining collection holds its first `members` members (of those it will have after joinCollection). */
  growCollection(members: number): Promise<void>;
  /** S8: Graph grants this app a smaller write budget from now on (null = the documented one), buckets full. */
  grantWrites(granted: GrantedWrites | null): Promise<void>;
  close(): Promise<void>;
}

export async function startRemoteTenant(kind: SeedKind, options: BenchOptions): Promise<BenchTenant> {
  // The child's output goes to stderr: stdout carries only the bench's table or JSON document.
  const child = fork(new URL("./simulatorHost.js", import.meta.url), [], { stdio: ["ignore", 2, 2, "ipc"] });
  const call = ipcCaller<HostRequest>(child, "simulated tenant");
  const started = (await call({ op: "start", kind, options })) as {
    graphBaseUrl: string;
    adminServiceUrl: string;
    ids: LargeSeedIds;
    fleet: BenchTenant["fleet"];
    sliceMembers: number;
  };
  return {
    ...started,
    counters: async () => (await call({ op: "counters" })) as SimulatorCounters,
    resetCounters: async () => void (await call({ op: "resetCounters" })),
    lastSeq: async () => (await call({ op: "lastSeq" })) as number,
    acceptedWrites: async (afterSeq) => (await call({ op: "acceptedWrites", afterSeq })) as number,
    minimalWriteTimeMs: async (writes) => (await call({ op: "minimalWriteTimeMs", writes })) as number,
    joinCollection: async () => void (await call({ op: "joinCollection" })),
    groupSize: async (groupId) => (await call({ op: "groupSize", groupId })) as number,
    growCollection: async (members) => void (await call({ op: "growCollection", members })),
    grantWrites: async (granted) => void (await call({ op: "grantWrites", granted })),
    async close() {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await call({ op: "close" });
      await exited;
    },
  };
}

/** Request/reply over a child's IPC channel (`{ id, request }` out, `{ id, ok, value | error }` back). */
export function ipcCaller<Request>(child: ChildProcess, what: string): (request: Request) => Promise<unknown> {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on("message", (reply: HostReply) => {
    const waiter = pending.get(reply.id);
    if (waiter === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(`${what}: ${reply.error}`));
  });
  child.on("exit", (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${what} exited (code ${code ?? "?"})`));
    pending.clear();
  });
  return (request) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, request });
    });
}
