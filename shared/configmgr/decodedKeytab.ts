import { rmSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * GSSAPI takes a client keytab only by name (KRB5_CLIENT_KTNAME), and MIT Kerberos' other keytab type, MEMORY:,
 * is filled only through its C API, which the `kerberos` package does not offer
 * (docs/service-facts.md "Windows authentication (ADMINSERVICE_AUTH=negotiate)"). So the keytab from
 * ADMINSERVICE_KEYTAB_BASE64 becomes a file — in a folder only this user can enter, named for this process, and
 * removed when the process ends.
 */
const PREFIX = "collection-sync-keytab-";
const FILE_NAME = "adminservice.keytab";
/** The ways a process is usually stopped; SIGKILL leaves the folder behind, for the next start to remove. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

const written = new Set<string>();
let armed = false;

/** Writes the keytab (0600 in a fresh 0700 folder under `parent`, default the temp folder) and returns its path. */
export async function writeDecodedKeytab(base64: string, parent: string = tmpdir()): Promise<string> {
  await removeAbandonedKeytabs(parent);
  const dir = await mkdtemp(join(parent, `${PREFIX}${process.pid}-`)); // mkdtemp makes it 0700
  written.add(dir);
  if (!armed) removeOnExit();
  const path = join(dir, FILE_NAME);
  await writeFile(path, Buffer.from(base64.replace(/\s+/g, ""), "base64"), { mode: 0o600, flag: "wx" });
  return path;
}

/** Folders left by a process that no longer runs (killed with SIGKILL, or a crash of the runtime itself). */
async function removeAbandonedKeytabs(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    // Another user's folder cannot be removed (EACCES/EPERM): it is theirs to clean.
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // running, as another user
  }
}

function removeAll(): void {
  for (const dir of written) rmSync(dir, { recursive: true, force: true });
  written.clear();
}

/**
 * On a normal exit, and on a stop signal. A process that handles the signal itself (serve shuts down cleanly)
 * exits normally afterwards; where nothing else listens, the signal's default (ending the process) is restored
 * and raised again once the keytab is gone.
 */
function removeOnExit(): void {
  armed = true;
  process.once("exit", removeAll);
  for (const signal of STOP_SIGNALS) {
    const onSignal = () => {
      removeAll();
      if (process.listeners(signal).every((listener) => listener === onSignal)) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}
