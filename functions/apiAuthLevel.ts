/**
 * The API function's authLevel, decided when the Functions host loads the app: anonymous behind Easy Auth
 * (the API checks app roles itself), "function" when API_AUTH=function-key so the host checks the key.
 */
export function apiFunctionAuthLevel(env: Record<string, string | undefined> = process.env): "anonymous" | "function" {
  return env.API_AUTH?.trim() === "function-key" ? "function" : "anonymous";
}
