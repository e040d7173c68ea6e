import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
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
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temporary, serialized, { mode: 0o600 });
      // writeFile's mode applies only to a new file and is masked by the umask: make sure.
      await chmod(temporary, 0o600);
      await rename(temporary, path);
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}
