import { chmodSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * A local data folder holds device names and UPNs, and the embedded store's key (which bypasses API_KEY): the
 * folder is made 0700 (also when an older version made it 0755), the files already in it 0600, and files this
 * process creates from now on 0600 (umask 077). Worker threads cannot change the umask; there the 0700 folder
 * alone keeps other users out.
 */
export function privateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isFile()) chmodSync(join(path, entry.name), 0o600);
  }
  try {
    process.umask(0o077);
  } catch {
    // ERR_WORKER_UNSUPPORTED_OPERATION: see above
  }
}
