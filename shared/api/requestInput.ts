import type { z } from "zod";
import type { ApiRequest } from "./apiMessages.js";
import { SNAPSHOT_LIMITS } from "../snapshots/snapshot.js";
import { ApiProblem, type FieldError } from "./problems.js";

/** Mapping bodies are a few hundred bytes; anything near this is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;
/** The largest body any route takes (a collector's snapshot part); transports refuse more before routing. */
export const MAX_UPLOAD_BYTES = SNAPSHOT_LIMITS.partBytes;

export function tooLarge(limit: number = MAX_BODY_BYTES): ApiProblem {
  return new ApiProblem(413, "payload-too-large", `The body must not exceed ${limit} bytes.`, [], { connection: "close" });
}

export function requestTimedOut(detail: string): ApiProblem {
  return new ApiProblem(408, "request-timeout", detail, [], { connection: "close" });
}

/** Refuses by the declared Content-Length alone, before a byte of the body is read. */
export function declaredTooLarge(contentLength: string | undefined, limit: number = MAX_BODY_BYTES): boolean {
  if (contentLength === undefined) return false;
  const declared = Number(contentLength);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Reads the body's bytes, never holding more than `limit`: a stream is abandoned as soon as it passes the limit.
 */
export async function readBodyBytes(request: ApiRequest, limit: number = MAX_BODY_BYTES): Promise<Buffer> {
  const body = request.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string" || body instanceof Uint8Array) {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (bytes.length > limit) throw tooLarge(limit);
    return bytes;
  }
  if (declaredTooLarge(request.headers["content-length"], limit)) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ApiProblem) throw error;
    // The client stopped sending (or was cut off for being too slow): its request, not our failure.
    throw requestTimedOut("The request body did not arrive completely.");
  }
  return Buffer.concat(chunks);
}

/** Reads the body as UTF-8 text, within `limit` bytes. */
export async function readBodyText(request: ApiRequest, limit: number = MAX_BODY_BYTES): Promise<string> {
  const bytes = await readBodyBytes(request, limit);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiProblem(400, "invalid-json", "The body is not valid UTF-8.");
  }
}

export function zodErrors(where: NonNullable<FieldError["in"]>, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ in: where, name: issue.path.map(String).join("."), message: issue.message }));
}

/** Reads, parses and validates a JSON body against a strict schema. */
export async function readJsonBody<S extends z.ZodType>(request: ApiRequest, schema: S, limit: number = MAX_BODY_BYTES): Promise<z.output<S>> {
  const contentType = request.headers["content-type"];
  // application/json and application/merge-patch+json; anything else (forms, text) is refused outright.
  if (contentType !== undefined && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType.trim())) {
    throw new ApiProblem(415, "unsupported-media-type", `Send the body as application/json, not ${contentType}.`);
  }
  const text = await readBodyText(request, limit);
  if (text.trim() === "") throw ApiProblem.validation([{ in: "body", name: "", message: "a JSON object body is required" }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiProblem(400, "invalid-json", `The body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw ApiProblem.validation([{ in: "body", name: "", message: "the body must be a JSON object" }]);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ApiProblem.validation(zodErrors("body", parsed.error));
  return parsed.data;
}

/** Validates one value (path segment, query parameter) with a schema, naming it in the problem. */
export function parseParam<S extends z.ZodType>(where: NonNullable<FieldError["in"]>, name: string, value: unknown, schema: S): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw ApiProblem.validation(parsed.error.issues.map((issue) => ({ in: where, name, message: issue.message })));
  }
  return parsed.data;
}
