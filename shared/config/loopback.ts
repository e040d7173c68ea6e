import { BlockList, isIP } from "node:net";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/**
 * Loopback is the IP literals 127.0.0.0/8 and ::1 (also as IPv4-mapped IPv6), and the name `localhost`, which
 * RFC 6761 reserves for loopback. Any other name — `127.example`, `localhost.example` — resolves wherever its
 * owner wants. `hostname` is a URL's hostname (IPv6 in brackets, as WHATWG URL writes it) or a bare address.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? "ipv4" : "ipv6");
}

/** Only the loopback simulator may be reached over plain http (no token is ever sent there). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && isLoopbackHost(url.hostname);
}
