import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Replaces `path` with `data` readable by its owner only (mode 0600), through a temporary file and a rename: a
 * crash mid-write leaves the previous file whole, never half of the new one.
 */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, data, { mode: 0o600 });
  // writeFile's mode applies only to a new file and is masked by the umask: make sure.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
