/**
 * The HTTP front door: plain `node:http` on 127.0.0.1. Graph lives under `/v1.0`, the AdminService under
 * `/AdminService`. Graph requests are attributed to a tenant by their bearer token (`sim.<tenantId>`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { SimulatorCore } from "../core.js";
import { executeAdminServiceRequest } from "../adminService/adminService.js";
import { executeBatch } from "../graph/batch.js";
import { faultError, graphError } from "../graph/graphErrors.js";
import { executeGraphRequest } from "../graph/graphService.js";
import { executeEntraRequest, isEntraPath } from "../entra/entraRoutes.js";
import type { DirectoryState } from "../state/directoryState.js";
import { readablePathAndQuery, type SimRequest, type SimResponse } from "./types.js";

export const TOKEN_PREFIX = "sim.";

async function readBody(req: IncomingMessage): Promise<{ body: unknown; invalidJson: boolean; text: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return { body: undefined, invalidJson: false, text };
  try {
    return { body: JSON.parse(text) as unknown, invalidJson: false, text };
  } catch {
    return { body: undefined, invalidJson: true, text };
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function send(res: ServerResponse, response: SimResponse): void {
  if (res.destroyed) return;
  const payload = response.text ?? (response.body !== undefined ? JSON.stringify(response.body) : "");
  res.writeHead(response.status, response.headers);
  res.end(payload);
}

/**
 * Tenant of a Graph request: a `/tenants/{id}` path prefix (for clients such as the Graph SDK, which drops
 * Authorization on http:// URLs) or the bearer token; neither → the first seeded tenant; an unknown token, or a
 * token naming another tenant than the prefix → null (401).
 */
function tenantFor(core: SimulatorCore, authorization: string | undefined, pathTenant: string | null): DirectoryState | null {
  const byPath = pathTenant === null ? undefined : core.tenants.get(pathTenant.toLowerCase());
  if (pathTenant !== null && !byPath) return null;
  if (authorization === undefined || authorization.trim() === "") return byPath ?? core.firstTenant;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  const token = match?.[1]?.trim() ?? "";
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const byToken = core.tenants.get(token.slice(TOKEN_PREFIX.length).toLowerCase()) ?? null;
  return byPath && byToken !== byPath ? null : byToken;
}

async function handleGraph(core: SimulatorCore, req: SimRequest, pathTenant: string | null): Promise<SimResponse> {
  const tenant = tenantFor(core, req.headers["authorization"], pathTenant);
  if (!tenant) {
    const response = graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
    core.log.record({ service: "graph", method: req.method, path: req.pathAndQuery, status: 401, tenantId: null, inBatch: false, kind: "read" });
    return response;
  }
  if (req.path === "/$batch" || req.path === "/%24batch") {
    if (req.method !== "POST") return graphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
    const fault = await core.applyFault("graph", req, faultError, true);
    const response = fault?.kind === "respond" ? fault.response : await executeBatch(core, req, tenant);
    core.log.record({
      service: "graph",
      method: "POST",
      path: req.pathAndQuery,
      status: response.status,
      tenantId: tenant.tenantId,
      inBatch: false,
      kind: "batch",
    });
    return response;
  }
  return executeGraphRequest(core, req, tenant);
}

export interface HttpFront {
  readonly server: Server;
  readonly port: number;
}

export async function startHttpFront(core: SimulatorCore, port: number, latencyMs: number): Promise<HttpFront> {
  const server = createServer((incoming, res) => {
    void (async () => {
      try {
        const { body, invalidJson, text } = await readBody(incoming);
        const headers = headersOf(incoming);
        const url = new URL(incoming.url ?? "/", "http://placeholder.invalid");
        const publicBase = `http://${headers["host"] ?? `127.0.0.1:${(server.address() as AddressInfo).port}`}`;
        if (latencyMs > 0) await sleep(latencyMs);
        // `/tenants/{id}/v1.0/…` pins the tenant in the URL; links the simulator writes keep the prefix.
        const pinned = /^\/tenants\/([^/]+)(\/v1\.0\/.*)$/.exec(url.pathname);
        const pathname = pinned ? (pinned[2] as string) : url.pathname;
        if (isEntraPath(pathname)) {
          // OAuth endpoints take form-encoded bodies (the Microsoft identity platform's token endpoint).
          send(res, executeEntraRequest(core, (incoming.method ?? "GET").toUpperCase(), pathname, new URLSearchParams(text), publicBase));
          return;
        }
        const service = pathname.startsWith("/v1.0/") ? "graph" : pathname.startsWith("/AdminService/") ? "adminService" : null;
        if (!service) {
          send(res, graphError(404, "NotFound", `No simulated service at '${url.pathname}'. Use /v1.0/… or /AdminService/….`));
          return;
        }
        const prefix = service === "graph" ? "/v1.0" : "/AdminService";
        const path = pathname.slice(prefix.length);
        const method = (incoming.method ?? "GET").toUpperCase();
        const base = pinned ? `${publicBase}/tenants/${pinned[1]}` : publicBase;
        const req: SimRequest = {
          method,
          path,
          query: url.searchParams,
          pathAndQuery: readablePathAndQuery(path + url.search),
          headers,
          body,
          invalidJson,
          publicBase: base,
          inBatch: false,
        };
        const response =
          service === "graph"
            ? await handleGraph(core, req, pinned ? decodeURIComponent(pinned[1] as string) : null)
            : await executeAdminServiceRequest(core, req);
        // Graph puts x-ms-resource-unit on every response (docs/service-facts.md); uncharged answers (401, 405) carry 0.
        if (service === "graph") response.headers["x-ms-resource-unit"] ??= "0";
        if (core.closed) {
          res.destroy();
          return;
        }
        send(res, response);
      } catch (error) {
        console.error("simulated tenant: request failed", error);
        send(res, graphError(500, "generalException", "The simulated tenant failed to handle the request."));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
