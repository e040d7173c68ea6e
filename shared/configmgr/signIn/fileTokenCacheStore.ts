import { readFile, rm } from "node:fs/promises";
import { writeFileAtomically } from "../../atomicFile.js";
import type { TokenCacheStore } from "./tokenCacheStore.js";

/**
 * The token cache as a file readable by its owner only (mode 0600): the CLI's and the collector's data folder,
 * where they keep their other state. Written to a temporary file and renamed, so a crash mid-write never leaves
 * half a cache (which would lose the refresh token).
 */
export function fileTokenCacheStore(path: string): TokenCacheStore {
  return {
    location: `file ${path}`,
    async read() {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async write(serialized) {
      await writeFileAtomically(path, serialized);
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}
