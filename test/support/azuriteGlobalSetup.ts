import type { TestProject } from "vitest/node";
import { startEmbeddedAzurite } from "../../shared/storage/embeddedAzurite.js";

/** One in-memory Azurite for the whole run; each test uses its own table names, so tests stay independent. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startEmbeddedAzurite();
  project.provide("tablesConnection", azurite.connectionString);
  return () => azurite.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    tablesConnection: string;
  }
}
