import type { Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID } from "../../simulator/index.js";
import { callApi, expectAccessible, openConsoleWorld, screenshot, type ConsoleWorld } from "./support/consoleWorld.js";

/** 30 assigned security groups "Fleet ring 01" … "Fleet ring 30", each filled from the demo device collection. */
const RINGS = 30;
const ringId = (n: number) => `0000f1ee-0000-4000-8000-${String(n).padStart(12, "0")}`;
const ringName = (n: number) => `Fleet ring ${String(n).padStart(2, "0")}`;

let world: ConsoleWorld;
let page: Page;

const api = <T>(method: string, path: string, body?: unknown) => callApi<T>(world, method, path, body);

beforeAll(async () => {
  world = await openConsoleWorld();
  page = world.page;
  const tenant = world.serve.runtime.simulator!;
  for (let n = 1; n <= RINGS; n++) {
    tenant.addGroup({ id: ringId(n), displayName: ringName(n), securityEnabled: true, mailEnabled: false, groupTypes: [] });
    const created = await api("POST", "/mappings", { collectionId: DEMO_DEVICE_COLLECTION, groupId: ringId(n), enabled: n !== 7 });
    expect(created.status, ringName(n)).toBe(201);
  }
});

afterAll(async () => {
  await world?.close();
});

const table = () => page.getByRole("table", { name: "Mappings" });
const rows = () => table().locator("tbody tr");
const mappingRequests = (responses: Response[]) => responses.filter((r) => new URL(r.url()).pathname.startsWith("/api/mappings"));

describe("the mappings list at fleet scale", () => {
  it("asks the API once per page, shows the total and page numbers, and keeps the page in the URL", async () => {
    const responses: Response[] = [];
    page.on("response", (r) => responses.push(r));
    await page.goto("/");
    await expect.poll(() => rows().count()).toBe(25);
    expect(await page.getByText(`1–25 of ${RINGS + 1} mappings`).count()).toBe(1);
    // One call for the page, none per row.
    expect(mappingRequests(responses)).toHaveLength(1);
    await page.getByRole("navigation", { name: "Pages of mappings" }).getByRole("link", { name: "Page 2" }).click();
    await expect.poll(() => page.url()).toMatch(/#\/\?page=2$/);
    await expect.poll(() => rows().count()).toBe(RINGS + 1 - 25);
    expect(await page.getByText(`26–${RINGS + 1} of ${RINGS + 1} mappings`).count()).toBe(1);
    await page.goBack();
    await expect.poll(() => rows().count()).toBe(25);
    page.removeAllListeners("response");
  });

  it("searches every mapping, not only the page shown, and a copied link reproduces the view", async () => {
    await page.goto("/");
    await page.getByRole("searchbox", { name: "Search" }).fill("ring 2");
    await expect.poll(() => page.url()).toMatch(/search=ring\+2/);
    // "Fleet ring 20" … "Fleet ring 29", wherever they were in the unfiltered pages.
    await expect.poll(() => rows().count()).toBe(10);
    expect(await page.getByText("10 mappings match.").count()).toBe(1);
    const link = page.url();

    const other = await world.context.newPage();
    await other.goto(link);
    await expect.poll(() => other.getByRole("table", { name: "Mappings" }).locator("tbody tr").count()).toBe(10);
    expect(await other.getByRole("searchbox", { name: "Search" }).inputValue()).toBe("ring 2");
    await other.close();
  });

  it("sorts by a column from its header and filters by status, both undone by Back", async () => {
    await page.goto("/#/?search=Fleet");
    await expect.poll(() => rows().count()).toBe(25);
    await table().getByRole("link", { name: "Group", exact: true }).click();
    await expect.poll(() => page.url()).toMatch(/sort=group/);
    await table().getByRole("link", { name: "Group", exact: true }).click();
    await expect.poll(() => page.url()).toMatch(/order=desc/);
    await expect.poll(() => rows().first().textContent()).toContain(ringName(RINGS));
    expect(await table().locator('th[aria-sort="descending"]').textContent()).toMatch(/Group/);

    await page.getByLabel("Status").selectOption("disabled");
    await expect.poll(() => page.url()).toMatch(/status=disabled/);
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().textContent()).toContain(ringName(7));
    await page.goBack();
    await expect.poll(() => rows().count()).toBe(25);
    await expect.poll(() => page.getByLabel("Status").inputValue()).toBe("");
  });

  it("tells never-run, disabled, blocked and healthy apart", async () => {
    // Ring 01 is mirrored over a group with members the collection lacks: its first sync is held back.
    const tenant = world.serve.runtime.simulator!;
    for (const id of tenant.groupMemberIds(DEMO_GROUP_ID)) tenant.addMemberByHand(ringId(1), id);
    await api("PATCH", `/mappings/${DEMO_DEVICE_COLLECTION}/${ringId(1)}`, { mode: "mirror" });
    await api("POST", `/mappings/${DEMO_DEVICE_COLLECTION}/${ringId(1)}/sync`);
    await page.goto("/#/?search=Fleet+ring+0&sort=group");
    const badge = (n: number) =>
      table()
        .getByRole("row")
        .filter({ hasText: ringName(n) })
        .locator('[data-label="Status"] .badge')
        .first();
    await expect.poll(() => badge(1).textContent(), { timeout: 30_000 }).toBe("Blocked: needs approval");
    expect(await badge(2).textContent()).toBe("Never run");
    expect(await badge(7).textContent()).toBe("Disabled");
    await page.goto("/");
    const demo = table().getByRole("row").filter({ hasText: "Autopilot Devices - Cloud Sync" });
    await expect.poll(() => demo.locator('[data-label="Status"] .badge').first().textContent(), { timeout: 30_000 }).toBe("Healthy");
    await expectAccessible(page, "mappings list with every badge");
  });

  it("refreshes on its own while visible, with conditional requests that cost a 304 while nothing changed", async () => {
    await page.goto("/#/?search=Fleet+ring+03");
    await expect.poll(() => rows().count()).toBe(1);
    const lastRun = rows().first().locator('[data-label="Last run"]');
    expect(await lastRun.textContent()).toMatch(/never/);
    const statuses: number[] = [];
    page.on("response", (r) => {
      if (new URL(r.url()).pathname === "/api/mappings") statuses.push(r.status());
    });
    await expect.poll(() => statuses.includes(304), { timeout: 15_000 }).toBe(true);

    // Someone else starts a sync (the CLI, another admin): the row shows it without a reload.
    await api("POST", `/mappings/${DEMO_DEVICE_COLLECTION}/${ringId(3)}/sync`);
    await expect.poll(() => lastRun.textContent(), { timeout: 30_000 }).toMatch(/Succeeded.*(just now|s ago)/);
    // The change arrived as a full answer after the 304s.
    expect(statuses.lastIndexOf(200)).toBeGreaterThan(statuses.indexOf(304));
    page.removeAllListeners("response");
  });

  it("shows the last run that changed something beside an unchanged last run", async () => {
    await api("POST", `/mappings/${DEMO_DEVICE_COLLECTION}/${ringId(3)}/sync`);
    await page.goto("/#/?search=Fleet+ring+03");
    const row = rows().first();
    await expect.poll(() => row.locator('[data-label="Last run"]').textContent(), { timeout: 30_000 }).toMatch(/Unchanged/);
    expect(await row.locator('[data-label="Last change"]').textContent()).toMatch(/Succeeded.*\+\d+/);
    await screenshot(page, "fleet-last-change");
  });

  it("pages through the whole run history and hides the runs that changed nothing", async () => {
    const path = `/mappings/${DEMO_DEVICE_COLLECTION}/${ringId(3)}`;
    // Ring 3 has one run that added members and unchanged ticks after it: enough of them for two pages of 20.
    const runCount = async () => (await api<{ items: unknown[] }>("GET", `${path}/runs?pageSize=200`)).body.items.length;
    for (let runs = await runCount(); runs < 22;) {
      await api("POST", `${path}/sync`);
      const before = runs;
      await expect.poll(async () => (runs = await runCount()), { timeout: 10_000, interval: 100 }).toBeGreaterThan(before);
    }
    await page.goto(`/#${path}`);
    const history = page.getByRole("table", { name: "Run history" });
    await expect.poll(() => history.locator("tbody tr").count()).toBeGreaterThanOrEqual(22);
    await page.getByLabel("Runs per page").selectOption("20");
    await expect.poll(() => page.url()).toMatch(/runs=20/);
    await expect.poll(() => history.locator("tbody tr").count()).toBe(20);
    expect(await history.textContent()).not.toContain("Succeeded");
    await page.getByRole("button", { name: "Older runs" }).click();
    await expect.poll(() => history.textContent()).toContain("Succeeded");
    await page.getByRole("button", { name: "Newer runs" }).click();
    await expect.poll(() => history.locator("tbody tr").count()).toBe(20);

    await page.getByLabel("Hide runs that changed nothing").check();
    await expect.poll(() => page.url()).toMatch(/hideUnchanged=1/);
    await expect.poll(() => history.locator("tbody tr").count()).toBe(1);
    expect(await history.textContent()).toContain("Succeeded");
    expect(await history.textContent()).not.toContain("Unchanged");
    await expectAccessible(page, "mapping page with the history filtered");
  });

  it("ages relative times while the page stays open", async () => {
    // The page's clock (timers and Date) moves only when the test says so; the server's does not.
    await page.clock.install();
    await page.goto("/#/?search=Fleet+ring+03");
    const lastRun = rows().first().locator('[data-label="Last run"]');
    await expect.poll(() => lastRun.textContent()).toMatch(/Unchanged (just now|\d+ s ago)/);
    await page.clock.fastForward("05:00");
    await expect.poll(() => lastRun.textContent()).toMatch(/Unchanged [56] min ago/);
    expect(world.pageErrors).toEqual([]);
  });
});
