/** The content codings the console's files are precompressed in, best first, and the uncompressed file. */
export type ContentCoding = "br" | "gzip" | "identity";

const PREFERENCE: readonly ContentCoding[] = ["br", "gzip", "identity"];

/**
 * The coding to answer with, from a request's `Accept-Encoding` (RFC 9110 §12.5.3): the best coding we hold whose
 * q-value is above 0, naming it or `*`. `identity` is acceptable unless refused by name or by `*;q=0`; no header
 * at all means "anything", but a client that sends none gets the plain file, as it may not decode what it did
 * not ask for.
 */
export function chooseCoding(acceptEncoding: string | undefined, available: readonly ContentCoding[]): ContentCoding {
  if (acceptEncoding === undefined || acceptEncoding.trim() === "") return "identity";
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [token = "", ...params] = part.split(";").map((piece) => piece.trim().toLowerCase());
    if (token === "") continue;
    const q = params.find((param) => param.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(token === "x-gzip" ? "gzip" : token, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: ContentCoding): number => weights.get(coding) ?? weights.get("*") ?? (coding === "identity" ? 1 : 0);
  const acceptable = PREFERENCE.filter((coding) => available.includes(coding) && weightOf(coding) > 0);
  // Highest q first; between equal q-values, the smaller file (the order of PREFERENCE).
  acceptable.sort((a, b) => weightOf(b) - weightOf(a) || PREFERENCE.indexOf(a) - PREFERENCE.indexOf(b));
  return acceptable[0] ?? "identity";
}
