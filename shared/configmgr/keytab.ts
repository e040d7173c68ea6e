import { readFile } from "node:fs/promises";

/**
 * The first principal of an MIT keytab file (format 0x0502: entries of a principal plus one key), so messages
 * and `doctor` can say which account the AdminService sees without a Kerberos round trip. Null when the file is
 * not a version-2 keytab or holds no entry.
 */
export async function keytabPrincipal(path: string): Promise<string | null> {
  return principalOf(await readFile(path));
}

export function principalOf(bytes: Buffer): string | null {
  if (bytes.length < 2 || bytes[0] !== 0x05 || bytes[1] !== 0x02) return null;
  let at = 2;
  while (at + 4 <= bytes.length) {
    const size = bytes.readInt32BE(at);
    at += 4;
    if (size < 0) {
      at += -size; // a deleted entry ("hole")
      continue;
    }
    if (size === 0 || at + size > bytes.length) return null;
    return entryPrincipal(bytes.subarray(at, at + size));
  }
  return null;
}

function entryPrincipal(entry: Buffer): string | null {
  let at = 0;
  const text = (): string | null => {
    if (at + 2 > entry.length) return null;
    const length = entry.readUInt16BE(at);
    at += 2;
    if (at + length > entry.length) return null;
    const value = entry.subarray(at, at + length).toString("utf8");
    at += length;
    return value;
  };
  if (entry.length < 2) return null;
  const components = entry.readUInt16BE(at);
  at += 2;
  const realm = text();
  if (realm === null) return null;
  const parts: string[] = [];
  for (let i = 0; i < components; i++) {
    const part = text();
    if (part === null) return null;
    parts.push(part);
  }
  return `${parts.join("/")}@${realm}`;
}
