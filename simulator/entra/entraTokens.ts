/**
 * The simulated Entra ID sign-in for delegated tokens: the OAuth 2.0 device authorization grant and the refresh
 * token grant of the Microsoft identity platform v2.0 endpoint (docs/service-facts.md "Entra sign-in"), enough
 * for MSAL's PublicClientApplication. Access tokens are JWTs signed with a per-simulator key, so the simulated
 * AdminService can check audience, scope, expiry and signature the way a resource server would.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { DirectoryState } from "../state/directoryState.js";

export interface EntraOptions {
  /** Lifetime of issued access tokens; Entra's default is 60–90 minutes. */
  readonly accessTokenLifetimeSeconds?: number;
  /** `interval` of device code answers (Entra says 5); tests shorten it. */
  readonly pollIntervalSeconds?: number;
}

interface DeviceCodeGrant {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly tenant: DirectoryState;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  state: { readonly kind: "pending" } | { readonly kind: "declined" } | { readonly kind: "approved"; readonly userId: string } | { readonly kind: "redeemed" };
}

interface RefreshGrant {
  readonly tenant: DirectoryState;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly issuedAt: number;
}

/** Claims the simulated AdminService reads from a bearer token. */
export interface AccessTokenClaims {
  readonly aud: string;
  readonly scp: string;
  readonly upn: string;
  readonly oid: string;
  readonly tid: string;
  readonly appid: string;
  readonly exp: number;
}

export type TokenAnswer = { readonly status: number; readonly body: Record<string, unknown> };

const DEVICE_CODE_LIFETIME_SECONDS = 900;
const VERIFICATION_URI = "https://microsoft.com/devicelogin";
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

export class EntraTokens {
  private readonly key = randomBytes(32);
  private readonly deviceCodes = new Map<string, DeviceCodeGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Per user object id: refresh tokens issued before this instant are revoked (refreshTokensValidFromDateTime). */
  private readonly validFrom = new Map<string, number>();
  readonly counters = { deviceCodeGrants: 0, refreshGrants: 0 };

  constructor(
    private readonly options: EntraOptions,
    private readonly now: () => number,
  ) {}

  /** POST /{tenant}/oauth2/v2.0/devicecode */
  deviceCode(tenant: DirectoryState | undefined, tenantSegment: string, form: URLSearchParams): TokenAnswer {
    if (!tenant) return tenantNotFound(tenantSegment);
    const clientId = form.get("client_id") ?? "";
    const scopes = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
    if (clientId === "") return oauthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
    if (scopes.length === 0) return oauthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
    const userCode = randomBytes(6)
      .toString("base64url")
      .replace(/[^A-Za-z0-9]/g, "X")
      .toUpperCase()
      .slice(0, 8);
    const grant: DeviceCodeGrant = {
      deviceCode: base64url(randomBytes(48)),
      userCode,
      tenant,
      clientId,
      scopes,
      expiresAt: this.now() + DEVICE_CODE_LIFETIME_SECONDS * 1000,
      state: { kind: "pending" },
    };
    this.deviceCodes.set(grant.deviceCode, grant);
    return {
      status: 200,
      body: {
        user_code: userCode,
        device_code: grant.deviceCode,
        verification_uri: VERIFICATION_URI,
        expires_in: DEVICE_CODE_LIFETIME_SECONDS,
        interval: this.options.pollIntervalSeconds ?? 5,
        message: `To sign in, use a web browser to open the page ${VERIFICATION_URI} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  /** What the user does at the verification page: enter the code and sign in (or decline). */
  completeDeviceSignIn(userCode: string, userPrincipalName: string | null): void {
    const grant = [...this.deviceCodes.values()].find((g) => g.userCode === userCode.trim().toUpperCase());
    if (!grant || grant.state.kind !== "pending") throw new Error(`No pending device sign-in with the code ${userCode}.`);
    if (userPrincipalName === null) {
      grant.state = { kind: "declined" };
      return;
    }
    const user = grant.tenant.usersByUpn.get(userPrincipalName.toLowerCase());
    if (!user) throw new Error(`No user ${userPrincipalName} in tenant ${grant.tenant.tenantId}.`);
    grant.state = { kind: "approved", userId: user.id };
  }

  /** Like Revoke-EntraUserAllRefreshToken / revokeSignInSessions: refresh tokens issued until now stop working. */
  revokeSignInSessions(tenant: DirectoryState, userPrincipalName: string): void {
    const user = tenant.usersByUpn.get(userPrincipalName.toLowerCase());
    if (!user) throw new Error(`No user ${userPrincipalName}.`);
    this.validFrom.set(user.id.toLowerCase(), this.now() + 1);
  }

  /** POST /{tenant}/oauth2/v2.0/token */
  token(tenant: DirectoryState | undefined, tenantSegment: string, form: URLSearchParams, issuer: string): TokenAnswer {
    if (!tenant) return tenantNotFound(tenantSegment);
    const grantType = form.get("grant_type") ?? "";
    // The protocol document names the RFC 8628 URN; MSAL sends the short form, which Entra accepts too.
    if (grantType === "urn:ietf:params:oauth:grant-type:device_code" || grantType === "device_code") return this.redeemDeviceCode(tenant, form, issuer);
    if (grantType === "refresh_token") return this.redeemRefreshToken(tenant, form, issuer);
    return oauthError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }

  /** Checks a bearer token's signature and expiry; null when it is not one this simulator issued and still valid. */
  verifyAccessToken(token: string): AccessTokenClaims | null {
    const [header, payload, signature] = token.split(".");
    if (header === undefined || payload === undefined || signature === undefined) return null;
    const expected = createHmac("sha256", this.key).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as AccessTokenClaims;
    return claims.exp * 1000 > this.now() ? claims : null;
  }

  private redeemDeviceCode(tenant: DirectoryState, form: URLSearchParams, issuer: string): TokenAnswer {
    const grant = this.deviceCodes.get(form.get("device_code") ?? "");
    if (!grant || grant.tenant !== tenant || grant.clientId !== form.get("client_id")) {
      return oauthError(400, "invalid_grant", 70000, "The provided value for the 'device_code' is not valid.");
    }
    if (grant.expiresAt <= this.now())
      return oauthError(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
    switch (grant.state.kind) {
      case "pending":
        return oauthError(400, "authorization_pending", 70016, "The provided request has not yet been authorized by the user. The user must input their code.");
      case "declined":
        return oauthError(400, "authorization_declined", 70019, "The end user denied the authorization request.");
      case "redeemed":
        return oauthError(
          400,
          "invalid_grant",
          54005,
          "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        );
      case "approved": {
        const userId = grant.state.userId;
        grant.state = { kind: "redeemed" };
        this.counters.deviceCodeGrants += 1;
        return this.issue(tenant, grant.clientId, userId, grant.scopes, issuer);
      }
    }
  }

  private redeemRefreshToken(tenant: DirectoryState, form: URLSearchParams, issuer: string): TokenAnswer {
    const grant = this.refreshTokens.get(form.get("refresh_token") ?? "");
    if (!grant || grant.tenant !== tenant) return oauthError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
    if (grant.clientId !== form.get("client_id")) {
      return oauthError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.");
    }
    const validFrom = this.validFrom.get(grant.userId.toLowerCase());
    if (validFrom !== undefined && grant.issuedAt < validFrom) {
      const issued = new Date(grant.issuedAt).toISOString();
      return oauthError(
        400,
        "invalid_grant",
        50173,
        `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${new Date(validFrom).toISOString()}'.`,
      );
    }
    const user = tenant.users.get(grant.userId.toLowerCase());
    if (!user || !user.accountEnabled) return oauthError(400, "invalid_grant", 50057, "The user account is disabled.");
    const requested = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
    this.counters.refreshGrants += 1;
    // Entra answers a refresh with a new refresh token; the old one stays valid until it expires (rotation).
    return this.issue(tenant, grant.clientId, grant.userId, requested.length > 0 ? requested : grant.scopes, issuer);
  }

  private issue(tenant: DirectoryState, clientId: string, userId: string, scopes: readonly string[], issuer: string): TokenAnswer {
    const user = tenant.users.get(userId.toLowerCase());
    if (!user) return oauthError(400, "invalid_grant", 50034, "The user account does not exist in the directory.");
    const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
    const resource = resourceOf(resourceScopes[0] ?? "");
    if (resource === null) return oauthError(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.");
    // `.default` grants what was consented for the resource: here the one delegated permission user_impersonation.
    const granted = resourceScopes.map((s) => (s.endsWith("/.default") ? `${resource}/user_impersonation` : s));
    const nowSeconds = Math.floor(this.now() / 1000);
    const lifetime = this.options.accessTokenLifetimeSeconds ?? 3600;
    const accessToken = this.sign({
      aud: resource,
      iss: `https://sts.windows.net/${tenant.tenantId}/`,
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + lifetime,
      scp: granted.map((s) => s.slice(resource.length + 1)).join(" "),
      upn: user.userPrincipalName,
      oid: user.id,
      tid: tenant.tenantId,
      appid: clientId,
      ver: "1.0",
    });
    const body: Record<string, unknown> = {
      token_type: "Bearer",
      scope: granted.join(" "),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
    if (scopes.includes("offline_access")) {
      const refreshToken = base64url(randomBytes(48));
      this.refreshTokens.set(refreshToken, { tenant, clientId, userId: user.id, scopes, issuedAt: this.now() });
      body.refresh_token = refreshToken;
    }
    if (scopes.includes("openid")) {
      body.id_token = unsignedJwt({
        aud: clientId,
        iss: `${issuer}/${tenant.tenantId}/v2.0`,
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + 3600,
        name: user.displayName,
        oid: user.id,
        preferred_username: user.userPrincipalName,
        sub: base64url(`${user.id}:${clientId}`),
        tid: tenant.tenantId,
        ver: "2.0",
      });
      body.client_info = base64url(JSON.stringify({ uid: user.id, utid: tenant.tenantId }));
    }
    return { status: 200, body };
  }

  private sign(claims: Record<string, unknown>): string {
    const header = base64url(JSON.stringify({ typ: "JWT", alg: "HS256" }));
    const payload = base64url(JSON.stringify(claims));
    const signature = createHmac("sha256", this.key).update(`${header}.${payload}`).digest("base64url");
    return `${header}.${payload}.${signature}`;
  }
}

/** `https://ConfigMgrService/.default` → `https://ConfigMgrService`; `api://x/user_impersonation` → `api://x`. */
function resourceOf(scope: string): string | null {
  const cut = scope.lastIndexOf("/");
  return cut > 0 && scope.includes("://") ? scope.slice(0, cut) : null;
}

function unsignedJwt(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ typ: "JWT", alg: "none" }))}.${base64url(JSON.stringify(claims))}.`;
}

function tenantNotFound(tenant: string): TokenAnswer {
  return oauthError(
    400,
    "invalid_request",
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );
}

/** The error body of the v2.0 token endpoint: `error`, `error_description` starting with AADSTS<code>, `error_codes`, ids. */
function oauthError(status: number, error: string, code: number, description: string): TokenAnswer {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
