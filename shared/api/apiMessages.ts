/**
 * One HTTP request as the API core sees it, whatever carried it (the Functions host or `node:http`).
 * `path` is the part below the `/api` prefix, still percent-encoded (e.g. `/mappings/PS100012/0f3c…`).
 */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The body: already-read text, or a byte stream the core reads only when the route takes a body, and then
   * no further than the size limit (so an oversized body is refused without being read in full).
   */
  readonly body?: string | Uint8Array | AsyncIterable<Uint8Array> | null;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Serialised as JSON by the transport; absent for 204. */
  readonly jsonBody?: unknown;
  /** A body sent as it is (CSV), instead of jsonBody. */
  readonly textBody?: string;
}
