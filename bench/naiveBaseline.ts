/**
 * The naive way to do S1, for comparison (docs/performance.md): read the collection, then for each device one
 * `GET /devices?$filter=deviceId eq '…'` and, when it may be synced, one `POST /groups/{id}/members/$ref` —
 * strictly one request at a time. Measured on a slice of the collection (same mix of members, its own simulated
 * tenant — own child process — with the same latency and throttle budget) and extrapolated linearly to the full collection. The linear
 * extrapolation ignores that the naive writes would also run into the write budget, so it flatters the naive way.
 */
import { createAdminServiceSourceProvider } from "../shared/configmgr/adminServiceSource.js";
import { minimalWriteTimeMs } from "../simulator/index.js";
import { figuresOf, type ScenarioFigures } from "./figures.js";
import type { BenchOptions } from "./options.js";
import { startRemoteTenant, type BenchTenant } from "./remoteTenant.js";

export interface NaiveResult {
  readonly measured: ScenarioFigures;
  readonly extrapolated: ScenarioFigures;
  /** Full collection ÷ slice. */
  readonly factor: number;
  readonly sliceMembers: number;
}

export async function runNaiveBaseline(options: BenchOptions): Promise<NaiveResult> {
  const collectionSize = options.devices + options.withoutEntraId + options.hybrid;
  const tenant = await startRemoteTenant("naive", options);
  const slice = tenant.sliceMembers;
  try {
    const measured = await naiveSync(tenant);
    const factor = collectionSize / slice;
    const scaled = (n: number) => Math.round(n * factor);
    const writes = scaled(measured.graphWrites);
    return {
      measured,
      factor,
      sliceMembers: slice,
      extrapolated: {
        graphRequests: scaled(measured.graphRequests),
        graphReads: scaled(measured.graphReads),
        graphWrites: writes,
        adminServiceRequests: scaled(measured.adminServiceRequests),
        throttled: scaled(measured.throttled),
        wallMs: scaled(measured.wallMs),
        writePhaseMs: scaled(measured.writePhaseMs),
        throttleMinMs: Math.round(minimalWriteTimeMs(writes, { scale: options.throttleScale })),
        peakRssMiB: null,
        peakHeapMiB: null,
        resolutionRequests: scaled(measured.resolutionRequests),
        extrapolated: true,
      },
    };
  } finally {
    await tenant.close();
  }
}

async function naiveSync(tenant: BenchTenant): Promise<ScenarioFigures> {
  const { deviceCollectionId: collectionId, deviceGroupId: groupId } = tenant.ids;
  const graph = `${tenant.graphBaseUrl}/v1.0`;
  const started = performance.now();
  const source = createAdminServiceSourceProvider({ baseUrl: tenant.adminServiceUrl, credential: null }).open();
  const members = await source.readDeviceMembers(collectionId);
  let writeMs = 0;
  let lookups = 0;
  for (const member of members) {
    if (member.entraDeviceId === null) continue;
    lookups += 1;
    const filter = encodeURIComponent(`deviceId eq '${member.entraDeviceId}'`);
    const found = await getJson(`${graph}/devices?$filter=${filter}&$select=id,trustType,accountEnabled`);
    const device = found.value?.[0];
    if (device === undefined || device.trustType !== "AzureAd" || device.accountEnabled !== true) continue;
    const writeStarted = performance.now();
    await postRef(`${graph}/groups/${groupId}/members/$ref`, `${graph}/directoryObjects/${device.id}`);
    writeMs += performance.now() - writeStarted;
  }
  const wallMs = performance.now() - started;
  const counters = await tenant.counters();
  const added = await tenant.groupSize(groupId);
  return figuresOf(counters, {
    wallMs: Math.round(wallMs),
    writePhaseMs: Math.round(writeMs),
    throttleMinMs: Math.round(await tenant.minimalWriteTimeMs(added)),
    peakRssMiB: null,
    peakHeapMiB: null,
    resolutionRequests: lookups,
  });
}

interface DeviceRow {
  readonly id: string;
  readonly trustType?: string;
  readonly accountEnabled?: boolean;
}

/** One request, retried only when Graph says 429 (honouring Retry-After): the naive way has no other smarts. */
async function getJson(url: string): Promise<{ value?: DeviceRow[] }> {
  const response = await politely(() => fetch(url));
  if (!response.ok) throw new Error(`naive lookup failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { value?: DeviceRow[] };
}

async function postRef(url: string, objectUrl: string): Promise<void> {
  const response = await politely(() =>
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ "@odata.id": objectUrl }) }),
  );
  await response.arrayBuffer();
  if (!response.ok && response.status !== 400) throw new Error(`naive add failed: ${response.status}`);
}

async function politely(send: () => Promise<Response>): Promise<Response> {
  for (;;) {
    const response = await send();
    if (response.status !== 429) return response;
    const seconds = Number(response.headers.get("Retry-After") ?? "1");
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, seconds) * 1000));
  }
}
