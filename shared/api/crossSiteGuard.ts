import type { ApiRequest } from "./apiMessages.js";
import { ApiProblem } from "./problems.js";

/** Methods that change something; a browser sends some of them cross-site without any preflight. */
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Fetch metadata values a browser sends for the app's own pages, and for a request the user typed or bookmarked. */
const OWN_CONTEXTS = new Set(["same-origin", "none"]);

/**
 * Refuses a state-changing request a browser sends on behalf of another site (cross-site request forgery): a
 * page anywhere can make a visitor's browser POST to the API without a preflight, and behind App Service
 * Authentication the browser adds the visitor's session cookie (docs/service-facts.md "The web platform").
 *
 * Browsers announce where a request comes from in `Sec-Fetch-Site` and `Origin`; a request carrying neither comes
 * from curl, the CLI or the collector and is left to authentication. `Origin` must name the host the request
 * was sent to (`Host`, or `X-Forwarded-Host` set by the platform's front end in Azure; `serve` has no proxy in front
 * and drops that header), which is what the app's own console sends.
 */
export function refuseCrossSiteWrites(request: ApiRequest): void {
  if (!STATE_CHANGING.has(request.method.toUpperCase())) return;
  const fetchSite = request.headers["sec-fetch-site"]?.trim().toLowerCase();
  if (fetchSite !== undefined && fetchSite !== "" && !OWN_CONTEXTS.has(fetchSite)) {
    throw crossSite(`the browser reports it as ${fetchSite} (Sec-Fetch-Site)`);
  }
  const origin = request.headers["origin"]?.trim();
  if (origin === undefined || origin === "") return;
  const originHost = hostOf(origin);
  const served = [request.headers["host"], ...(request.headers["x-forwarded-host"]?.split(",") ?? [])]
    .map((value) => value?.trim().toLowerCase())
    .filter((value): value is string => value !== undefined && value !== "");
  if (originHost === null || !served.includes(originHost)) {
    throw crossSite(`it comes from ${origin.slice(0, 200)}, not from this app`);
  }
}

/** `host[:port]` of an origin (`null`, opaque or unparsable origins have none). */
function hostOf(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.host === "" ? null : url.host.toLowerCase();
  } catch {
    return null;
  }
}

function crossSite(why: string): ApiProblem {
  return new ApiProblem(
    403,
    "cross-site-request",
    `This request would change something, and ${why}. The API accepts changes from its own console and from non-browser clients (CLI, scripts) only.`,
  );
}
