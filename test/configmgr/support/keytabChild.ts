// A process that decodes a keytab as ADMINSERVICE_KEYTAB_BASE64 does (under its temp folder, TMPDIR), prints the
// file's path, then exits (`exit`) or waits to be stopped (`wait`).
import { tmpdir } from "node:os";
import { writeDecodedKeytab } from "../../../shared/configmgr/decodedKeytab.js";

const path = await writeDecodedKeytab(process.argv[3] ?? "", tmpdir());
process.stdout.write(`${path}\n`);
if (process.argv[2] === "wait") setInterval(() => undefined, 60_000);
