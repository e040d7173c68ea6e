/**
 * Can this machine reach a URL at all, and at which layer does it fail: the name (DNS), the connection (TCP),
 * the TLS handshake, or not at all in time. A support engineer asks this before looking at credentials, so the
 * request carries none: any HTTP answer, a 401 included, means the network path works.
 */
export type Reach =
  | { readonly kind: "answered"; readonly status: number; readonly ms: number; readonly challenges: readonly string[] }
  | { readonly kind: "unreachable"; readonly layer: UnreachableLayer; readonly code: string | null; readonly message: string };

export type UnreachableLayer = "dns" | "tcp" | "tls" | "timeout" | "network";

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME"]);
const TCP_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|EPROTO$|HOSTNAME_MISMATCH$)/;

export async function reach(url: string, options: { readonly fetchImpl?: typeof fetch; readonly timeoutMs?: number } = {}): Promise<Reach> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    const response = await (options.fetchImpl ?? fetch)(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    const challenges = (response.headers.get("www-authenticate") ?? "")
      .split(",")
      .map((part) => part.trim().split(/\s+/)[0] ?? "")
      .filter((scheme) => /^[A-Za-z][\w-]*$/.test(scheme) && !scheme.includes("="));
    return { kind: "answered", status: response.status, ms: Date.now() - started, challenges };
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return { kind: "unreachable", layer: "timeout", code: null, message: `no answer within ${timeoutMs / 1000} s` };
    }
    const code = errorCode(error);
    const layer: UnreachableLayer =
      code === null ? "network" : DNS_CODES.has(code) ? "dns" : TCP_CODES.has(code) ? "tcp" : TLS_CODE.test(code) ? "tls" : "network";
    return { kind: "unreachable", layer, code, message: deepestMessage(error) };
  }
}

/** What to do about an unreachable URL, by layer; `setting` names where the URL comes from. */
export function reachFix(layer: UnreachableLayer, url: URL, setting: string): string {
  const host = url.hostname;
  const port = url.port === "" ? (url.protocol === "https:" ? "443" : "80") : url.port;
  switch (layer) {
    case "dns":
      return `${host} does not resolve from this machine: check the host name in ${setting} and this network's DNS (from Azure: VNet integration with a private DNS zone, or a Cloud Management Gateway's public name).`;
    case "tcp":
      return `Nothing accepts connections on ${host}:${port} from here: check the firewall / network security group and the route (VNet integration, VPN, or a Cloud Management Gateway).`;
    case "tls":
      return `The TLS handshake with ${host} failed: its certificate must name ${host} and chain to a CA this machine trusts (for a private CA give Node its certificate with NODE_EXTRA_CA_CERTS).`;
    case "timeout":
      return `${host}:${port} accepts nothing in time: a firewall dropping packets, or the server is overloaded. Check the route from this machine.`;
    case "network":
      return `Check that ${setting} is right and that this machine can open https://${host}:${port} (a proxy, if one is needed, must be configured for Node).`;
  }
}

/** The first error code in the cause chain (fetch wraps the socket's error: TypeError("fetch failed").cause). */
function errorCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
  }
  return null;
}

function deepestMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.message !== "") message = current.message;
  }
  return message.slice(0, 300);
}
