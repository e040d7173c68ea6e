/**
 * Our own bearer-token step in the Graph SDK's middleware chain.
 *
 * The SDK's AuthenticationHandler attaches tokens only to `https://` Graph hosts and `customHosts`, and strips
 * `Authorization` from everything else (docs/service-facts.md, SDK) — so it would never authenticate to the loopback simulated
 * tenant, which tells tenants apart by bearer token. This step attaches the token to every request that goes to
 * the configured Graph root (and refuses anything else, so a token can never leak to another host).
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { GraphClientError, type Context, type Middleware } from "@microsoft/microsoft-graph-client";
import { CredentialUnavailableError } from "../errors.js";
import type { Clock } from "../core/ports/clock.js";

/** Tokens are renewed this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * The token scope for a Graph root: `<root>/.default` — this serves the national clouds
 * (graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn). The loopback simulator has no
 * resource of its own, so it asks for the public cloud's scope.
 */
export function graphScopeFor(baseUrl: URL): string {
  if (baseUrl.protocol !== "https:") return "https://graph.microsoft.com/.default";
  return `${baseUrl.origin}/.default`;
}

export class BearerTokenMiddleware implements Middleware {
  private next: Middleware | undefined;
  private cached: AccessToken | null = null;
  private pending: Promise<AccessToken> | null = null;

  constructor(
    private readonly credential: TokenCredential | null,
    private readonly scope: string,
    private readonly tenantId: string | null,
    private readonly origin: string,
    private readonly clock: Clock,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    // The SDK types the request as the DOM's RequestInfo, which a Node build does not load: a string or a Request.
    const url = typeof context.request === "string" ? context.request : (context.request as { readonly url: string }).url;
    if (new URL(url).origin !== this.origin) {
      throw new GraphClientError(`Refusing to send a Graph request outside ${this.origin}`);
    }
    if (this.credential !== null) {
      const token = await this.token();
      context.options = { ...context.options, headers: withAuthorization(context.options?.headers, token) };
    }
    if (this.next === undefined) throw new GraphClientError("BearerTokenMiddleware has no next middleware");
    await this.next.execute(context);
  }

  private async token(): Promise<string> {
    const now = this.clock.now();
    const cached = this.cached;
    if (cached !== null && now < (cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp - REFRESH_MARGIN_MS)) {
      return cached.token;
    }
    // One token request at a time, however many Graph calls are waiting for it.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    this.cached = await this.pending;
    return this.cached.token;
  }

  private async fetchToken(): Promise<AccessToken> {
    const credential = this.credential;
    if (credential === null) throw new GraphClientError("no credential");
    let token: AccessToken | null;
    try {
      token = await credential.getToken(this.scope, this.tenantId === null ? {} : { tenantId: this.tenantId });
    } catch (error) {
      // A GraphClientError passes through the SDK unchanged (other errors are re-wrapped and look like network
      // failures), so a credential problem is reported as what it is and never retried as if Graph were down.
      // Its cause is the typed domain error the transport hands to the engine (errors.ts CredentialUnavailableError).
      const message = `Could not get a Microsoft Graph token (${this.scope}): ${describe(error)}`;
      const failure = new GraphClientError(message);
      failure.cause = new CredentialUnavailableError(message, { cause: error });
      throw failure;
    }
    if (token === null) throw new GraphClientError(`The credential returned no token for ${this.scope}`);
    return token;
  }
}

function withAuthorization(headers: RequestInit["headers"], token: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers) headers.forEach((value, key) => (out[key] = value));
  else if (Array.isArray(headers)) {
    for (const [key, value] of headers) if (key !== undefined && value !== undefined) out[key] = value;
  } else if (headers !== undefined) Object.assign(out, headers);
  for (const key of Object.keys(out)) if (key.toLowerCase() === "authorization") delete out[key];
  out["Authorization"] = `Bearer ${token}`;
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
