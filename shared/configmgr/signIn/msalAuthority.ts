import type { INetworkModule, NodeAuthOptions } from "@azure/msal-node";
import { isLoopbackHttp } from "../../config/loopback.js";

/** How MSAL reaches the authority: the authority URL, and for the loopback simulator the extra options it needs. */
export interface MsalAuthority {
  readonly auth: Pick<NodeAuthOptions, "authority"> & Partial<Pick<NodeAuthOptions, "knownAuthorities" | "authorityMetadata">>;
  readonly networkClient?: INetworkModule;
}

/**
 * `<ADMINSERVICE_AUTHORITY_HOST>/<tenant>` for Entra (MSAL discovers its endpoints as usual). MSAL accepts only
 * https authorities, so a loopback http host (the simulated tenant, which serves the v2.0 device code and token
 * endpoints) goes through MSAL's documented extension points instead: the host as a known authority, its
 * endpoints given as authorityMetadata (no discovery request), and a network client that speaks plain http to
 * that one loopback origin. No token ever leaves the machine that way.
 */
export function msalAuthority(authorityHost: string, tenantId: string): MsalAuthority {
  const host = new URL(authorityHost);
  if (!isLoopbackHttp(host)) return { auth: { authority: `${authorityHost.replace(/\/+$/, "")}/${tenantId}` } };
  const secureOrigin = `https://${host.host}`;
  const authority = `${secureOrigin}/${tenantId}`;
  return {
    auth: {
      authority,
      knownAuthorities: [host.host],
      authorityMetadata: JSON.stringify({
        issuer: `${authority}/v2.0`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
      }),
    },
    networkClient: loopbackNetworkClient(secureOrigin, host.origin),
  };
}

/** MSAL's INetworkModule over fetch, mapping the https origin MSAL insists on to the loopback http origin. */
function loopbackNetworkClient(secureOrigin: string, plainOrigin: string): INetworkModule {
  const send = async <T>(url: string, method: "GET" | "POST", options?: { headers?: Record<string, string>; body?: string }) => {
    if (!url.startsWith(`${secureOrigin}/`))
      throw new Error(`Refusing to send a sign-in request to ${new URL(url).host}: only the loopback authority ${plainOrigin} is allowed`);
    const response = await fetch(plainOrigin + url.slice(secureOrigin.length), {
      method,
      ...(options?.headers === undefined ? {} : { headers: options.headers }),
      ...(options?.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: (text === "" ? {} : JSON.parse(text)) as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, "GET", options),
    sendPostRequestAsync: (url, options) => send(url, "POST", options),
  };
}
