import { z } from "zod";

/** The claims of an Entra access token that say who it is for and what it may do. */
export interface TokenClaims {
  /** Application permissions (app roles) granted to an app identity. */
  readonly roles: readonly string[];
  /** Delegated scopes of a user token (`scp`, space-separated). */
  readonly scopes: readonly string[];
  /** Who: the user's UPN, else the app's display name, else its client id. */
  readonly subject: string | null;
  readonly appId: string | null;
  readonly tenantId: string | null;
}

const claimsSchema = z.object({
  roles: z.array(z.string()).optional(),
  scp: z.string().optional(),
  upn: z.string().optional(),
  unique_name: z.string().optional(),
  app_displayname: z.string().optional(),
  appid: z.string().optional(),
  azp: z.string().optional(),
  tid: z.string().optional(),
});

/**
 * Reads an access token's payload without checking its signature: a diagnosis looks at what Entra put in the
 * token the app will send, it trusts nothing it reads for access decisions. null when the token is not a JWT
 * (some resources issue opaque tokens).
 */
export function readTokenClaims(token: string): TokenClaims | null {
  const payload = token.split(".")[1];
  if (payload === undefined || payload === "") return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = claimsSchema.safeParse(json);
  if (!parsed.success) return null;
  const claims = parsed.data;
  const appId = claims.appid ?? claims.azp ?? null;
  return {
    roles: claims.roles ?? [],
    scopes: (claims.scp ?? "").split(" ").filter((scope) => scope !== ""),
    subject: claims.upn ?? claims.unique_name ?? claims.app_displayname ?? appId,
    appId,
    tenantId: claims.tid ?? null,
  };
}
