import type { TokenCredential } from "@azure/identity";
import pRetry, { AbortError } from "p-retry";
import { z } from "zod";
import { CollectionSyncError, ensureError } from "../errors.js";
import type { CatalogUpload } from "../snapshots/siteCatalog.js";
import { SNAPSHOT_PART_CONTENT_TYPE, type SnapshotCommit, type SnapshotConfirm } from "../snapshots/snapshotFormat.js";

/** How the collector proves who it is to the app. */
export interface AppAuth {
  /** Which way (collection-sync doctor says so, and checks an Entra token's roles). */
  readonly kind: "api-key" | "entra" | "none";
  /** entra: the token scope, `<COLLECTOR_APP_ID_URI>/.default`. */
  readonly scope?: string;
  /** entra: the access token the app will receive. */
  token?(): Promise<string>;
  headers(): Promise<Record<string, string>>;
}

/** `serve` with API_KEY: the key in x-api-key. */
export function apiKeyAuth(key: string): AppAuth {
  return { kind: "api-key", headers: async () => ({ "x-api-key": key }) };
}

/** The app behind App Service Authentication: an Entra token for its Application ID URI (app role Snapshots.Write). */
export function entraAuth(credential: TokenCredential, applicationIdUri: string): AppAuth {
  const scope = `${applicationIdUri.replace(/\/+$/, "")}/.default`;
  const token = async () => {
    const answer = await credential.getToken(scope);
    if (answer === null) throw new AppRequestError(null, `No Entra token for ${scope}`, false);
    return answer.token;
  };
  return {
    kind: "entra",
    scope,
    token,
    headers: async () => ({ authorization: `Bearer ${await token()}` }),
  };
}

/** `serve` on loopback takes unauthenticated calls. */
export const noAuth: AppAuth = { kind: "none", headers: async () => ({}) };

/** The app refused or could not be reached; `status` null for network faults. */
export class AppRequestError extends CollectionSyncError {
  constructor(
    readonly status: number | null,
    message: string,
    readonly retryable: boolean,
    /** The problem type's last segment (e.g. `snapshot-incomplete`), when the app sent a problem document. */
    readonly problem: string | null = null,
  ) {
    super(message);
  }
}

const snapshotViewSchema = z.object({
  snapshotId: z.string(),
  memberCount: z.number(),
  lastMemberChangeTime: z.string().nullable(),
  members: z.number(),
  stale: z.boolean(),
  ageSeconds: z.number(),
  // Absent from an app that takes no delta uploads: then every change is uploaded in full.
  baseSnapshotId: z.string().nullable().optional(),
});
const mappedSchema = z.object({
  sourceMode: z.enum(["adminservice", "pushed"]),
  items: z.array(
    z.object({
      collectionId: z.string(),
      mappings: z.number(),
      snapshot: snapshotViewSchema.nullable(),
      // An older app sends no flag: then only a changed watermark (or no snapshot) means a read in full.
      refresh: z.boolean().default(false),
      refreshReason: z.string().nullable().default(null),
    }),
  ),
  // An older app keeps no catalog: then the collector does not send one.
  catalog: z.object({ hash: z.string(), readAt: z.string(), collections: z.number().int().nonnegative().optional() }).nullable().optional(),
});
export type MappedCollections = z.infer<typeof mappedSchema>;
export type AppSnapshotView = z.infer<typeof snapshotViewSchema>;

const commitAnswerSchema = z.object({ status: z.enum(["current", "superseded"]), queuedSyncs: z.number(), current: snapshotViewSchema });
export type CommitAnswer = z.infer<typeof commitAnswerSchema>;

export interface AppClientOptions {
  /** COLLECTOR_APP_URL: the app's root (the API is below /api), or its /api address itself. */
  readonly baseUrl: string;
  readonly auth: AppAuth;
  readonly fetchImpl?: typeof fetch;
  /** Per request; default 60 s (a 4 MiB part over a slow uplink). */
  readonly timeoutMs?: number;
  /** Retries of a request the app could not answer (down, throttling, 5xx); default 6. */
  readonly retries?: number;
  /** First back-off; doubled per retry, with jitter; default 1 s. */
  readonly minBackoffMs?: number;
  /** Longest single wait, Retry-After included; default 60 s. */
  readonly maxBackoffMs?: number;
}

export interface AppTraffic {
  readonly requests: number;
  readonly uploadBytes: number;
}

export interface CollectorAppClient {
  mapped(): Promise<MappedCollections>;
  putPart(collectionId: string, snapshotId: string, part: number, data: Uint8Array): Promise<void>;
  commit(collectionId: string, snapshotId: string, commit: SnapshotCommit): Promise<CommitAnswer>;
  confirm(collectionId: string, snapshotId: string, confirm: SnapshotConfirm): Promise<void>;
  putCatalog(upload: CatalogUpload): Promise<void>;
  traffic(): AppTraffic;
}

/** Statuses worth another try later: the app is starting, overloaded, throttling or briefly unreachable. */
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The collector's HTTP client for the app (docs/api.md "Snapshots"). Every request is retried with exponential
 * back-off and jitter (p-retry) while the app is down or throttling, honouring Retry-After; a refusal (4xx) is
 * final and comes back as AppRequestError with the problem's type.
 */
export function createAppClient(options: AppClientOptions): CollectorAppClient {
  const root = apiRootOf(options.baseUrl);
  const fetchImpl = options.fetchImpl ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  let requests = 0;
  let uploadBytes = 0;

  async function once(method: string, path: string, body: { type: string; data: Uint8Array | string } | null): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json", ...(await options.auth.headers()) };
    if (body !== null) headers["content-type"] = body.type;
    requests += 1;
    let response: Response;
    try {
      response = await fetchImpl(`${root}${path}`, {
        method,
        headers,
        ...(body === null ? {} : { body: body.data }),
        // Never followed: Node's fetch re-sends x-api-key to whatever origin a redirect names (docs/service-facts.md).
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AppRequestError(null, `The app did not answer ${method} ${path}: ${ensureError(error).message}`, true);
    }
    const text = await response.text().catch(() => "");
    if ((response.status >= 300 && response.status < 400) || response.type === "opaqueredirect") {
      const location = response.headers.get("location");
      throw new AppRequestError(
        response.status,
        `The app answered ${method} ${path} with a redirect${location === null ? "" : ` to ${location.slice(0, 200)}`}; the collector does not follow redirects (they would carry its credentials elsewhere). Set COLLECTOR_APP_URL (or --app) to the app's final https:// address.`,
        false,
        "redirect-refused",
      );
    }
    if (response.ok) {
      if (body !== null) uploadBytes += typeof body.data === "string" ? Buffer.byteLength(body.data) : body.data.byteLength;
      return text === "" ? null : (JSON.parse(text) as unknown);
    }
    const problem = problemOf(text);
    const error = new AppRequestError(
      response.status,
      `The app answered ${response.status} to ${method} ${path}${problem.detail === null ? "" : `: ${problem.detail}`}`,
      RETRYABLE.has(response.status),
      problem.type,
    );
    const retryAfter = retryAfterMs(response.headers.get("retry-after"));
    if (error.retryable && retryAfter !== null) retryWaits.set(error, Math.min(retryAfter, maxBackoffMs));
    throw error;
  }

  /** Retry-After of a throttled answer, waited for on top of the back-off (p-retry has no per-error delay). */
  const retryWaits = new WeakMap<Error, number>();

  function send(method: string, path: string, body: { type: string; data: Uint8Array | string } | null = null): Promise<unknown> {
    return pRetry(
      async () => {
        try {
          return await once(method, path, body);
        } catch (error) {
          if (error instanceof AppRequestError && !error.retryable) throw new AbortError(error);
          throw error;
        }
      },
      {
        retries: options.retries ?? 6,
        minTimeout: options.minBackoffMs ?? 1_000,
        maxTimeout: maxBackoffMs,
        randomize: true,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          const wait = retryWaits.get(error);
          if (wait !== undefined && retriesLeft > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        },
      },
    ).catch((error: unknown) => {
      throw error instanceof AbortError ? error.originalError : error;
    });
  }

  const json = (value: unknown) => ({ type: "application/json", data: JSON.stringify(value) });
  const snapshotPath = (collectionId: string, snapshotId: string) =>
    `/collections/${encodeURIComponent(collectionId)}/snapshots/${encodeURIComponent(snapshotId)}`;

  return {
    async mapped() {
      const parsed = mappedSchema.safeParse(await send("GET", "/collections/mapped"));
      if (!parsed.success) throw new AppRequestError(200, "The app answered /api/collections/mapped with an unexpected shape (an older version?)", false);
      return parsed.data;
    },
    async putPart(collectionId, snapshotId, part, data) {
      await send("PUT", `${snapshotPath(collectionId, snapshotId)}/parts/${part}`, { type: SNAPSHOT_PART_CONTENT_TYPE, data });
    },
    async commit(collectionId, snapshotId, commit) {
      const parsed = commitAnswerSchema.safeParse(await send("POST", `${snapshotPath(collectionId, snapshotId)}/commit`, json(commit)));
      if (!parsed.success) throw new AppRequestError(200, "The app answered a commit with an unexpected shape", false);
      return parsed.data;
    },
    async confirm(collectionId, snapshotId, confirm) {
      await send("POST", `${snapshotPath(collectionId, snapshotId)}/confirm`, json(confirm));
    },
    async putCatalog(upload) {
      await send("PUT", "/collections/catalog", json(upload));
    },
    traffic: () => ({ requests, uploadBytes }),
  };
}

/** The API root for the app's root URL or its /api address, with or without a trailing slash. */
export function apiRootOf(appUrl: string): string {
  return `${appUrl
    .trim()
    .replace(/\/+$/, "")
    .replace(/\/api$/i, "")}/api`;
}

function problemOf(text: string): { type: string | null; detail: string | null } {
  try {
    const body = JSON.parse(text) as { type?: unknown; detail?: unknown };
    const type = typeof body.type === "string" ? (body.type.split("/").pop() ?? null) : null;
    const detail = typeof body.detail === "string" ? body.detail.slice(0, 500) : null;
    return { type, detail };
  } catch {
    return { type: null, detail: null };
  }
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
