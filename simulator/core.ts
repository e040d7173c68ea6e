/**
 * The simulator's shared state and the steps every (sub-)request passes through on both services: listeners,
 * scripted faults, logging. The service modules (graph/, adminService/) hold the protocol rules.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { FaultRegistry, seededRandom, type FaultSpec } from "./faults.js";
import { jsonResponse, type Service, type SimRequest, type SimResponse } from "./http/types.js";
import { RequestLog } from "./requestLog.js";
import type { NormalizedSeed } from "./seed.js";
import { ConfigMgrState } from "./state/configMgrState.js";
import { DirectoryState } from "./state/directoryState.js";
import { GraphThrottle, type ThrottleOptions } from "./graph/throttle.js";
import type { AdminServiceProfile } from "./adminService/profile.js";
import { EntraTokens, type EntraOptions } from "./entra/entraTokens.js";

export interface RequestEvent {
  readonly service: Service;
  readonly method: string;
  /** Service-relative path and query. */
  readonly path: string;
  readonly tenantId: string | null;
  readonly inBatch: boolean;
  /** 1-based number of this (sub-)request among all requests to this service. */
  readonly count: number;
}

export type RequestListener = (event: RequestEvent) => void | Promise<void>;

export interface CoreOptions {
  readonly throttle: ThrottleOptions | false;
  readonly adminServicePageSize: number;
  readonly adminService: AdminServiceProfile;
  /** When set, the AdminService demands a delegated bearer token for this audience (a CMG in front of it). */
  readonly adminServiceBearer: AdminServiceBearer | null;
  readonly entra: EntraOptions;
  readonly now: () => number;
  readonly randomSeed: number;
}

/** What the simulated AdminService checks in a bearer token when it demands one. */
export interface AdminServiceBearer {
  /** The ConfigMgr server app's Application ID URI, the token's `aud` (e.g. `https://ConfigMgrService`). */
  readonly audience: string;
  /** UPNs of the ConfigMgr administrative users (Entra user discovery maps them); others get 403. Default: any user. */
  readonly administrativeUsers?: readonly string[];
}

/** What a scripted fault asks the service handler to do instead of (or on top of) the normal answer. */
export type FaultOutcome = { readonly kind: "respond"; readonly response: SimResponse } | { readonly kind: "modify"; readonly spec: FaultSpec } | null;

export class SimulatorCore {
  readonly tenants = new Map<string, DirectoryState>();
  readonly firstTenant: DirectoryState;
  readonly configMgr: ConfigMgrState;
  readonly faults: FaultRegistry;
  readonly log = new RequestLog();
  readonly throttle: GraphThrottle | null;
  readonly random: () => number;
  readonly listeners = new Set<RequestListener>();
  readonly entra: EntraTokens;
  private readonly counts: Record<Service, number> = { graph: 0, adminService: 0 };
  private readonly hanging = new Set<() => void>();
  closed = false;

  constructor(
    seed: NormalizedSeed,
    readonly options: CoreOptions,
  ) {
    for (const tenant of seed.tenants) {
      if (this.tenants.has(tenant.tenantId.toLowerCase())) throw new Error(`Tenant ${tenant.tenantId} is seeded twice.`);
      this.tenants.set(tenant.tenantId.toLowerCase(), new DirectoryState(tenant));
    }
    this.firstTenant = [...this.tenants.values()][0] as DirectoryState;
    this.configMgr = new ConfigMgrState(seed.configMgr, options.now);
    this.random = seededRandom(options.randomSeed);
    this.entra = new EntraTokens(options.entra, options.now);
    this.faults = new FaultRegistry(this.random);
    this.throttle = options.throttle === false ? null : new GraphThrottle(options.throttle, options.now, (id) => this.tenant(id).users.size);
  }

  tenant(tenantId?: string): DirectoryState {
    if (tenantId === undefined) return this.firstTenant;
    const tenant = this.tenants.get(tenantId.toLowerCase());
    if (!tenant) throw new Error(`No seeded tenant ${tenantId}.`);
    return tenant;
  }

  /** Runs the listeners (tests mutate state here, between a client's read and its write). */
  async notify(service: Service, req: SimRequest, tenantId: string | null): Promise<void> {
    const count = ++this.counts[service];
    const event: RequestEvent = { service, method: req.method, path: req.pathAndQuery, tenantId, inBatch: req.inBatch, count };
    for (const listener of [...this.listeners]) await listener(event);
  }

  /** Applies the first matching fault: waits, hangs, answers with a status, or tells the handler to alter its answer. */
  async applyFault(
    service: Service,
    req: SimRequest,
    defaultError: (status: number, retryAfter?: number) => SimResponse,
    envelope = false,
  ): Promise<FaultOutcome> {
    const spec = this.faults.take({ service, method: req.method, pathAndQuery: req.pathAndQuery, inBatch: req.inBatch, envelope });
    if (!spec) return null;
    if (spec.delayMs) await sleep(spec.delayMs);
    if (spec.hang) await new Promise<void>((resolve) => this.hanging.add(resolve));
    if (spec.status !== undefined) {
      const retry = spec.retryAfterSeconds !== undefined ? { "Retry-After": String(spec.retryAfterSeconds) } : undefined;
      const response = spec.body !== undefined ? jsonResponse(spec.status, spec.body, retry) : defaultError(spec.status, spec.retryAfterSeconds);
      return { kind: "respond", response };
    }
    return spec.truncatePaging || spec.emptyResult ? { kind: "modify", spec } : null;
  }

  /** Releases hung requests so `close()` can finish (their sockets are destroyed by then). */
  releaseHangs(): void {
    this.closed = true;
    for (const release of this.hanging) release();
    this.hanging.clear();
  }
}
