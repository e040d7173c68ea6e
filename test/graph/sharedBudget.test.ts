import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { ConcurrencyError } from "../../shared/errors.js";
import { DOCUMENTED_LIMITS, type BudgetLimits } from "../../shared/graph/budgetModel.js";
import { sharedBudgetBook, type BudgetStore } from "../../shared/graph/sharedBudgetBook.js";
import { createTenantBudget, type TenantBudget } from "../../shared/graph/tenantBudget.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import { createBudgetTable } from "../../shared/storage/budgetTable.js";
import { openTable } from "../../shared/storage/tableAccess.js";
import { systemClock } from "../../shared/core/ports/clock.js";
import { testTablesConnection, uniqueTablePrefix } from "../support/tables.js";

/** A small budget so the tests run in real time: 40 writes at once, then 100 per second. */
const LIMITS: BudgetLimits = {
  ...DOCUMENTED_LIMITS,
  writes: { rate: 100, capacity: 40 },
  units: { rate: 10_000, capacity: 10_000 },
  horizonMs: 100,
};

/** What one `$batch` of ten writes reserves. */
const batch = { writes: 10, units: 10 };

function budgetTable(timeoutMs?: number): BudgetStore {
  return budgetTableWithRows(timeoutMs).store;
}

/** The budget store and its table, to change rows behind the store's back. */
function budgetTableWithRows(timeoutMs?: number) {
  const table = openTable({ connectionString: testTablesConnection() }, "graphBudget", { tablePrefix: uniqueTablePrefix() });
  return { store: createBudgetTable(table, timeoutMs), table };
}

/** An instance of the app: its own book over the shared row, as a separate process would have. */
function instance(store: BudgetStore, log: Logger = silentLogger): TenantBudget {
  return createTenantBudget(sharedBudgetBook(store, "home", { clock: systemClock, log }), LIMITS, systemClock);
}

/** Reserves batch after batch until `until`, recording each write's send time. */
async function drive(budget: TenantBudget, until: number, sent: number[]): Promise<void> {
  while (Date.now() < until) {
    const admission = await budget.reserve(batch, until);
    if (!admission.admitted) return;
    const at = Date.now();
    for (let i = 0; i < batch.writes; i++) sent.push(at);
  }
}

/** The most writes sent in any window of `windowMs`. */
function busiest(sent: readonly number[], windowMs: number): number {
  const sorted = [...sent].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) > windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

let hanging: { server: Server; sockets: Set<Socket> } | undefined;
afterEach(async () => {
  if (hanging === undefined) return;
  for (const socket of hanging.sockets) socket.destroy();
  const { server } = hanging;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  hanging = undefined;
});

describe("a tenant's Graph budget shared through Table Storage", () => {
  test("two instances together never get more than the budget holds", async () => {
    const store = budgetTable();
    const [a, b] = [instance(store), instance(store)];
    const sentA: number[] = [];
    const sentB: number[] = [];
    const started = Date.now();
    const until = started + 1_500;

    await Promise.all([drive(a, until, sentA), drive(b, until, sentB)]);

    const elapsed = Math.max(...sentA, ...sentB) - started;
    const total = sentA.length + sentB.length;
    // The whole budget: the burst plus the refill over the time that passed, plus what may be reserved ahead.
    expect(total).toBeLessThanOrEqual(LIMITS.writes.capacity + (LIMITS.writes.rate * elapsed) / 1000 + batch.writes);
    // Any second holds at most a second's refill and the burst.
    expect(busiest([...sentA, ...sentB], 1_000)).toBeLessThanOrEqual(LIMITS.writes.capacity + LIMITS.writes.rate + batch.writes);
    expect(Math.min(sentA.length, sentB.length)).toBeGreaterThan(0);
  });

  test("one instance alone gets the whole budget", async () => {
    const store = budgetTable();
    const sent: number[] = [];
    const started = Date.now();

    await drive(instance(store), started + 1_000, sent);

    const elapsed = Math.max(...sent) - started;
    const budget = LIMITS.writes.capacity + (LIMITS.writes.rate * elapsed) / 1000;
    expect(sent.length).toBeGreaterThanOrEqual(0.9 * budget - batch.writes);
  });

  test("what a killed instance had reserved is spent after the horizon: the others get the budget back", async () => {
    const store = budgetTable();
    const killed = instance(store);
    // It takes the burst and everything the horizon lets it reserve ahead, then dies without sending any of it.
    const reservations = Array.from({ length: (LIMITS.writes.capacity + (LIMITS.writes.rate * LIMITS.horizonMs) / 1000) / batch.writes }, () =>
      killed.reserve(batch, Date.now() + 5_000),
    );
    await Promise.all(reservations);
    const survivor = instance(store);
    const started = Date.now();
    const sent: number[] = [];

    await drive(survivor, started + 1_000, sent);

    expect(sent[0]! - started).toBeLessThanOrEqual(LIMITS.horizonMs + 50);
    expect(sent.length).toBeGreaterThanOrEqual(0.8 * LIMITS.writes.rate);
  });

  test("a 429 seen by one instance makes every instance wait its Retry-After", async () => {
    const store = budgetTable();
    const [a, b] = [instance(store), instance(store)];
    await a.reserve(batch);

    await a.throttled("writes", 1, 400, Date.now());
    const before = Date.now();
    const admission = await b.reserve(batch, Date.now() + 5_000);

    expect(admission.admitted).toBe(true);
    expect(Date.now() - before).toBeGreaterThanOrEqual(350);
  });

  test("a Retry-After past the caller's deadline is refused at once, nothing reserved", async () => {
    const store = budgetTable();
    const [a, b] = [instance(store), instance(store)];
    await a.throttled("writes", 1, 60_000, Date.now());
    const before = Date.now();

    const admission = await b.reserve(batch, Date.now() + 10_000);

    expect(admission).toEqual({ admitted: false, waitMs: expect.any(Number) });
    expect(admission.admitted === false && admission.waitMs).toBeGreaterThan(59_000);
    expect(Date.now() - before).toBeLessThan(1_000);
  });
});

describe("the budget row deleted while an instance uses it (an operator resetting the budget)", () => {
  test("a write over the deleted row is a lost race, and the next reservation creates the row again from the table", async () => {
    const { store, table } = budgetTableWithRows();
    const warnings: string[] = [];
    const budget = instance(store, { ...silentLogger, warn: (message) => void warnings.push(message) });
    await budget.reserve(batch);
    const stale = await store.read("home");
    const client = await table.ready();
    await client.deleteEntity("home", "graph");

    await expect(store.write("home", stale!.state, stale!.etag)).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(budget.reserve(batch, Date.now() + 5_000)).resolves.toMatchObject({ admitted: true });
    const recreated = await store.read("home");
    expect(recreated?.state.writes.granted).toBe(batch.writes);
    expect(warnings).toEqual([]);
  });
});

describe("when Table Storage cannot be reached", () => {
  /** A server that accepts connections and never answers. */
  async function silentEndpoint(): Promise<string> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => void sockets.add(socket));
    hanging = { server, sockets };
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as { port: number };
    return `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  }

  test("a table that never answers costs one short wait, then the instance paces from memory and says so", async () => {
    const store = createBudgetTable(openTable({ connectionString: await silentEndpoint() }, "graphBudget"), 300);
    const warnings: string[] = [];
    const budget = instance(store, { ...silentLogger, warn: (message) => void warnings.push(message) });
    const started = Date.now();
    const sent: number[] = [];

    await drive(budget, started + 1_000, sent);

    // The first reservation waited out the table's time limit once; the rest were paced from memory at the full rate.
    expect(sent[0]! - started).toBeGreaterThanOrEqual(250);
    expect(sent[0]! - started).toBeLessThan(1_000);
    expect(sent.length).toBeGreaterThanOrEqual(LIMITS.writes.capacity);
    expect(sent.length).toBeLessThanOrEqual(LIMITS.writes.capacity + LIMITS.writes.rate + 1);
    expect(warnings).toEqual(["Shared Graph budget unreachable; this instance paces Graph from memory for now"]);
  });

  test("an instance that loses the table paces at its share of what the instances sharing the row had, not alone", async () => {
    const shared = budgetTable();
    let reachable = true;
    const flaky: BudgetStore = {
      read: (key) => (reachable ? shared.read(key) : Promise.reject(new Error("connect ECONNREFUSED"))),
      write: (key, state, etag) => (reachable ? shared.write(key, state, etag) : Promise.reject(new Error("connect ECONNREFUSED"))),
    };
    const [a, b] = [instance(flaky), instance(shared)];
    await a.reserve(batch);
    await b.reserve(batch);
    await a.reserve(batch); // A has read the row since B wrote it: it knows B shares it
    reachable = false;
    const started = Date.now();
    const sent: number[] = [];

    await drive(a, started + 1_000, sent);

    // Two instances were sharing the row: alone from memory, A sends at half the rate, with nothing in hand.
    expect(sent.length).toBeGreaterThanOrEqual(0.3 * LIMITS.writes.rate);
    expect(sent.length).toBeLessThanOrEqual(0.5 * LIMITS.writes.rate + batch.writes);
  });

  test("a refused connection does not fail a reservation either", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    const budget = instance(createBudgetTable(openTable({ connectionString }, "graphBudget"), 300));

    await expect(budget.reserve(batch, Date.now() + 5_000)).resolves.toMatchObject({ admitted: true });
  });
});
