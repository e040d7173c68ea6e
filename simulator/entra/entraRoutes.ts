/**
 * `/{tenant}/oauth2/v2.0/devicecode` and `/{tenant}/oauth2/v2.0/token`: form-encoded requests, JSON answers, as
 * the Microsoft identity platform's v2.0 endpoint (docs/service-facts.md "Entra sign-in").
 */
import type { SimulatorCore } from "../core.js";
import { jsonResponse, type SimResponse } from "../http/types.js";

const ENTRA_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/(devicecode|token)$/;

/** True for the paths this module answers. */
export function isEntraPath(pathname: string): boolean {
  return ENTRA_PATH.test(pathname);
}

export function executeEntraRequest(core: SimulatorCore, method: string, pathname: string, form: URLSearchParams, publicBase: string): SimResponse {
  const match = ENTRA_PATH.exec(pathname);
  if (!match || method !== "POST") {
    return jsonResponse(405, { error: "invalid_request", error_description: "AADSTS900561: The endpoint only accepts POST requests.", error_codes: [900561] });
  }
  const segment = decodeURIComponent(match[1] as string);
  const tenant = core.tenants.get(segment.toLowerCase());
  const answer = match[2] === "devicecode" ? core.entra.deviceCode(tenant, segment, form) : core.entra.token(tenant, segment, form, publicBase);
  return { status: answer.status, headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }, body: answer.body };
}
