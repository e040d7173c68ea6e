import { AlreadyExistsError, ConcurrencyError, NotFoundError } from "../errors.js";

/**
 * HTTP status of a Table Storage failure, or undefined for anything else (network errors, bugs). Checked by shape
 * rather than `instanceof RestError`, which breaks when two copies of @azure/core-rest-pipeline are installed.
 */
export function tableStatus(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== "RestError") return undefined;
  const status = (error as Error & { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * Translates the statuses a conditional write can meet into the product's typed errors (docs/service-facts.md "Table Storage":
 * If-Match → 412 when stale, insert of an existing key → 409). Everything else propagates unchanged.
 */
export function translateWriteError(error: unknown, what: string): unknown {
  switch (tableStatus(error)) {
    case 404:
      return new NotFoundError(`${what} does not exist`);
    case 409:
      return new AlreadyExistsError(`${what} already exists`);
    case 412:
      return new ConcurrencyError(`${what} was changed by someone else; read it again and retry`);
    default:
      return error;
  }
}

/** Runs a single-entity write and rethrows its failure as a typed error. */
export async function conditionalWrite<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw translateWriteError(error, what);
  }
}

/** Reads one entity; a 404 is an answer (null), not a failure. */
export async function readOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (tableStatus(error) === 404) return null;
    throw error;
  }
}
