import { describe, expect, it } from "vitest";
import { problemFromError, problemResponse } from "../../shared/api/problems.js";
import { CredentialUnavailableError } from "../../shared/errors.js";
import { silentLogger } from "../../shared/logger.js";

describe("problem mapping", () => {
  it("answers a missing Graph token with 503 credential-unavailable and Retry-After, not a 500", () => {
    const problem = problemFromError(new CredentialUnavailableError("ManagedIdentityCredential: no endpoint"), silentLogger, {
      method: "GET",
      path: "/groups",
    });
    const response = problemResponse(problem, "/api/groups");
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("60");
    expect(response.jsonBody).toMatchObject({ type: "https://collection-sync.dev/problems/credential-unavailable", status: 503 });
    // The credential's own message (which may name endpoints) stays in the log.
    expect(JSON.stringify(response.jsonBody)).not.toContain("ManagedIdentityCredential");
  });
});
