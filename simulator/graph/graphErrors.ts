/** Graph's error body and the exact texts docs/service-facts.md documents, in one place so routes never drift from them. */
import { randomUUID } from "node:crypto";
import { jsonResponse, type SimResponse } from "../http/types.js";

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse {
  const date = new Date().toISOString().replace(/\.\d{3}Z$/, "");
  const requestId = randomUUID();
  return jsonResponse(status, { error: { code, message, innerError: { date, "request-id": requestId, "client-request-id": requestId } } }, headers);
}

export const notFound = (id: string): SimResponse =>
  graphError(404, "Request_ResourceNotFound", `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

export const badRequest = (message: string): SimResponse => graphError(400, "Request_BadRequest", message);

export const unsupportedQuery = (message: string): SimResponse => graphError(400, "Request_UnsupportedQuery", message);

export const insufficientPrivileges = (): SimResponse => graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

export const alreadyExists = (): SimResponse =>
  badRequest("One or more added object references already exist for the following modified properties: 'members'.");

export const onPremisesMastered = (): SimResponse =>
  badRequest("Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.");

export const externallyMastered = (): SimResponse =>
  badRequest("Unable to update the specified properties for objects that have originated within an external service.");

export const tooManyOrClauses = (count: number): SimResponse =>
  unsupportedQuery(`Too many child clauses specified in search filter expression containing 'OR' operators: ${count}. Max allowed: 15`);

export const invalidPageSize = (value: string): SimResponse => badRequest(`Invalid page size specified: '${value}'. Must be between 1 and 999 inclusive.`);

export const searchNeedsConsistency = (): SimResponse =>
  unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");

export const unknownSegment = (segment: string): SimResponse => graphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);

export const methodNotAllowed = (): SimResponse => graphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");

export const unknownProperty = (property: string, type: string): SimResponse =>
  badRequest(`Could not find a property named '${property}' on type 'microsoft.graph.${type}'.`);

/** Default bodies for scripted faults, by status. */
export function faultError(status: number, retryAfterSeconds?: number): SimResponse {
  const headers: Record<string, string> = retryAfterSeconds !== undefined ? { "Retry-After": String(retryAfterSeconds) } : {};
  switch (status) {
    case 429:
      return graphError(429, "TooManyRequests", "Too many requests.", headers);
    case 503:
      return graphError(503, "serviceNotAvailable", "The service is temporarily unavailable.", headers);
    case 504:
      return graphError(504, "gatewayTimeout", "The gateway did not receive a response in time.", headers);
    case 500:
      return graphError(500, "generalException", "An unexpected error occurred.", headers);
    case 401:
      return graphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.", headers);
    case 403:
      return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", headers);
    case 404:
      return graphError(404, "Request_ResourceNotFound", "Resource does not exist.", headers);
    default:
      return graphError(status, status >= 500 ? "generalException" : "Request_BadRequest", `Simulated fault ${status}.`, headers);
  }
}
