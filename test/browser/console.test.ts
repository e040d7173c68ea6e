import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID } from "../../simulator/index.js";
import { callApi, expectAccessible, openConsoleWorld, parseCsv, screenshot, type ConsoleWorld } from "./support/consoleWorld.js";

/** An empty assigned security group of the demo seed: the target of the mapping the admin creates. */
const PILOT_RING = "3b8f2d61-5c0e-4f7a-9d2b-8e41c6a7f905";
/** The demo group's three members added by hand in Entra (not in the collection). */
const HAND_ADDED = ["KIOSK-01", "KIOSK-02", "KIOSK-03"];
const README_IMAGES = join(process.cwd(), "docs", "images");

let world: ConsoleWorld;
let page: Page;

beforeAll(async () => {
  world = await openConsoleWorld();
  page = world.page;
});

afterAll(async () => {
  await world?.close();
});

const api = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => callApi<T>(world, method, path, body, headers);

/**
 * Keeps the README's pictures in step when asked (UPDATE_README_IMAGES=1 npm run test:browser): the window's
 * top 1200 × 720 pixels, not the whole page, so the PNGs stay small.
 */
async function readmeImage(name: string): Promise<void> {
  if (process.env.UPDATE_README_IMAGES !== "1") return;
  mkdirSync(README_IMAGES, { recursive: true });
  await page.setViewportSize({ width: 1200, height: 720 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(README_IMAGES, name), fullPage: false });
  await page.setViewportSize({ width: 1280, height: 800 });
}

const focused = () =>
  page.evaluate("document.activeElement ? (document.activeElement.id || document.activeElement.textContent || document.activeElement.tagName) : null");

describe("the console, as a new admin uses it", () => {
  it("lists the mappings in a table whose rows link to their mapping pages, with sizes and a status badge", async () => {
    await page.goto("/");
    const table = page.getByRole("table", { name: "Mappings" });
    await expect.poll(() => table.getByRole("row").count()).toBeGreaterThan(1);
    const link = table.getByRole("link", { name: "Autopilot devices" });
    expect(await link.getAttribute("href")).toBe(`#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`);
    const row = table.getByRole("row").filter({ hasText: "Autopilot Devices - Cloud Sync" });
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/Healthy/);
    expect(await row.locator('[data-label="Collection members"]').textContent()).toBe("25");
    expect(await row.locator('[data-label="Group members"]').textContent()).toMatch(/^\d+$/);
    await expectAccessible(page, "mappings page");
    await screenshot(page, "mappings");
    await readmeImage("console-mappings.png");
  });

  it("creates a mapping through both pickers without typing an id, previews it with focus on the result, and sees it sync", async () => {
    await page.goto("/");
    await page.getByRole("button", { name: "New mapping", exact: true }).click();
    const collection = page.getByRole("combobox", { name: "Collection" });
    await collection.fill("Autopilot dev");
    await expect.poll(() => page.getByRole("option", { name: /Autopilot devices/ }).count()).toBe(1);
    await collection.press("ArrowDown");
    await collection.press("Enter");
    await expect.poll(() => collection.inputValue()).toBe("Autopilot devices");

    const group = page.getByRole("combobox", { name: "Group" });
    await group.fill("Autopilot");
    const dynamic = page.getByRole("option", { name: /Autopilot Devices \(Dynamic\)/ });
    await expect.poll(() => dynamic.count()).toBe(1);
    // Ineligible groups stay in the list, greyed out, with the reason.
    expect(await dynamic.getAttribute("aria-disabled")).toBe("true");
    expect(await dynamic.textContent()).toMatch(/Not eligible: .*dynamic/i);
    // The group this collection already fills is marked, says so, and cannot be picked.
    const mapped = page.getByRole("option", { name: /Autopilot Devices - Cloud Sync/ });
    expect(await mapped.getAttribute("aria-disabled")).toBe("true");
    expect(await mapped.textContent()).toMatch(/already filled from Autopilot devices/);
    await expectAccessible(page, "new mapping page with the group list open");
    await screenshot(page, "new-mapping-pickers");
    await page.getByRole("option", { name: /Autopilot Devices - Pilot Ring/ }).click();
    await expect.poll(() => group.inputValue()).toBe("Autopilot Devices - Pilot Ring");

    await page.getByRole("button", { name: "Preview", exact: true }).click();
    const preview = page.getByRole("table", { name: "Preview members" });
    await expect.poll(() => preview.getByRole("row").count()).toBeGreaterThan(1);
    expect(await preview.getByText("No Entra ID in ConfigMgr").count()).toBeGreaterThan(0);
    // Focus lands on the result, not on the page's body.
    expect(await focused()).toBe("new-preview-title");
    await screenshot(page, "new-mapping-preview");

    await page.getByRole("button", { name: "Create mapping", exact: true }).click();
    await page.waitForURL(`**/#/mappings/${DEMO_DEVICE_COLLECTION}/${PILOT_RING}`);
    const history = page.getByRole("table", { name: "Run history" });
    await expect.poll(() => history.getByText("Succeeded").count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(world.serve.runtime.simulator?.groupMemberIds(PILOT_RING).length).toBeGreaterThan(0);
    // The chart places runs on a time axis.
    expect(await page.locator("figure.chart svg .tick").count()).toBeGreaterThan(2);
    await expectAccessible(page, "mapping page");
    await screenshot(page, "mapping");
  });

  it("opens a run named after its mapping, searches it by the words shown, and downloads the filtered list as CSV", async () => {
    await page.getByRole("table", { name: "Run history" }).getByRole("link").first().click();
    await page.waitForURL(/\/runs\//);
    expect(await page.locator(".subtitle").textContent()).toMatch(/Autopilot devices → Autopilot Devices - Pilot Ring/);
    const runId = decodeURIComponent(page.url().split("/runs/")[1]?.split("?")[0] ?? "");
    const run = (
      await api<{ counts: { added: number; skipped: Record<string, number> } }>("GET", `/mappings/${DEMO_DEVICE_COLLECTION}/${PILOT_RING}/runs/${runId}`)
    ).body;
    const members = page.getByRole("table", { name: "Members" });
    await expect.poll(() => members.getByRole("row").count()).toBeGreaterThan(1);
    await expectAccessible(page, "run page");
    await screenshot(page, "run");
    await readmeImage("console-run.png");

    // The label on screen, not the internal code, finds the rows; the search sits in the URL.
    await page.getByRole("searchbox", { name: "Search members" }).fill("No Entra ID in ConfigMgr");
    const noEntraId = run.counts.skipped["no-entra-id"] ?? 0;
    expect(noEntraId).toBeGreaterThan(0);
    await expect.poll(() => members.getByRole("row").count()).toBe(1 + noEntraId);
    await expect.poll(() => page.url()).toMatch(/search=No\+Entra\+ID/);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /Download CSV/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const bytes = readFileSync(await download.path());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.subarray(3).toString("utf8"));
    const header = rows[0] ?? [];
    const body = rows.slice(1).filter((r) => r.length > 1);
    // The file holds what the screen shows: the filtered rows only.
    expect(body).toHaveLength(noEntraId);
    for (const row of body) {
      expect(row[header.indexOf("reason")]).toBe("no-entra-id");
      expect(row[header.indexOf("name")]).not.toBe("");
    }
  });

  it("shows what switching to mirror would remove, by name, before saving it", async () => {
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`);
    await page.getByRole("radio", { name: "mirror" }).check();
    await page.getByRole("button", { name: "Save settings" }).click();
    const before = page.getByRole("table", { name: "Members the change affects" });
    await expect.poll(() => before.getByRole("row").count(), { timeout: 30_000 }).toBeGreaterThan(1);
    for (const name of HAND_ADDED) expect(await before.getByRole("cell", { name, exact: true }).count(), name).toBe(1);
    expect(await page.getByText("Nothing is saved yet.").count()).toBe(1);
    expect((await api<{ mode: string }>("GET", `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`)).body.mode).toBe("additive");
    await expectAccessible(page, "settings change preview");
    await screenshot(page, "settings-preview");
    await page.getByRole("button", { name: "Save with this effect" }).click();
    await expect.poll(() => page.getByText(/^Settings saved\./).count()).toBe(1);
    expect((await api<{ mode: string }>("GET", `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`)).body.mode).toBe("mirror");
  });

  it("lists a blocked change's held-back removals by name and approves them in the console", async () => {
    const demo = world.serve.runtime.simulator!;
    await page.getByRole("button", { name: "Sync now", exact: true }).click();
    const held = page.getByRole("table", { name: "Held-back removals" });
    await expect.poll(() => held.getByRole("row").count(), { timeout: 60_000 }).toBe(1 + HAND_ADDED.length);
    for (const name of HAND_ADDED) expect(await held.getByRole("cell", { name, exact: true }).count(), name).toBe(1);
    expect(await page.locator("main").textContent()).not.toMatch(/POST|\/api\//);
    const membersBefore = demo.groupMemberIds(DEMO_GROUP_ID).length;

    // The blocked run's own page lists the same held-back removals by name, and offers Approve too.
    await page.getByRole("link", { name: "the blocked run" }).click();
    await page.waitForURL(/\/runs\//);
    await page.getByLabel("Outcome").selectOption("held-back");
    const report = page.getByRole("table", { name: "Members" });
    await expect.poll(() => report.getByRole("row").count()).toBe(1 + HAND_ADDED.length);
    for (const name of HAND_ADDED) expect(await report.getByRole("cell", { name, exact: true }).count(), name).toBe(1);
    expect(await page.getByRole("button", { name: "Approve", exact: true }).count()).toBe(1);
    // Approving is a button here, never an instruction to call the API.
    expect(await page.locator("main").textContent()).not.toMatch(/POST|\/api\//);
    await screenshot(page, "blocked-run");
    await page.goBack();
    await page.goBack();
    await expect.poll(() => held.getByRole("row").count()).toBe(1 + HAND_ADDED.length);

    await page.getByRole("button", { name: "Approve", exact: true }).click();
    const dialog = page.getByRole("dialog");
    const listed = dialog.getByRole("table", { name: "Removals to approve" });
    await expect.poll(() => listed.getByRole("row").count()).toBe(1 + HAND_ADDED.length);
    for (const name of HAND_ADDED) expect(await listed.getByRole("cell", { name, exact: true }).count(), name).toBe(1);
    const text = (await dialog.textContent()) ?? "";
    // One story: the title, the message and the button all say 3; no API instructions.
    expect(text).toMatch(/Remove 3 members from Autopilot Devices - Cloud Sync\?/);
    expect(text).not.toMatch(/POST|\/api\/|remove 0/i);
    expect(await focused()).toBe("Cancel");
    await expectAccessible(page, "approve dialog");
    await screenshot(page, "approve");
    await readmeImage("console-approve.png");
    await dialog.getByRole("button", { name: "Approve 3 removals" }).click();
    await expect.poll(() => page.getByText(/Synced: Succeeded/).count(), { timeout: 60_000 }).toBe(1);
    expect(demo.groupMemberIds(DEMO_GROUP_ID).length).toBe(membersBefore - HAND_ADDED.length);

    // The run that applied it says who approved it, and its report names the removed members.
    const runs = (
      await api<{ items: { runId: string; approvedBy: string | null; counts: { removed: number } }[] }>(
        "GET",
        `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}/runs?pageSize=1`,
      )
    ).body;
    expect(runs.items[0]?.counts.removed).toBe(HAND_ADDED.length);
    expect(runs.items[0]?.approvedBy).toBeTruthy();
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}/runs/${runs.items[0]!.runId}?outcome=removed`);
    const removed = page.getByRole("table", { name: "Members" });
    await expect.poll(() => removed.getByRole("row").count()).toBe(1 + HAND_ADDED.length);
    for (const name of HAND_ADDED) expect(await removed.getByRole("cell", { name, exact: true }).count(), name).toBe(1);
    expect(await page.getByText(/Approved by/).count()).toBeGreaterThan(0);
  });

  it("offers a reload when the mapping changed since the page was opened (412)", async () => {
    expect((await api("PATCH", `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`, { removalThresholdCount: 100 }, { "if-match": "*" })).status).toBe(200);
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`);
    const threshold = page.getByLabel("Removal threshold (members)");
    await expect.poll(() => threshold.inputValue()).toBe("100");
    // A higher threshold removes no more than before: it is saved without a preview step.
    await threshold.fill("500");
    const changed = await api("PATCH", `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`, { removalThresholdCount: 777 }, { "if-match": "*" });
    expect(changed.status).toBe(200);
    // The page refreshes on its own meanwhile; the draft stays the admin's until they reload.
    await page.waitForTimeout(6000);
    expect(await threshold.inputValue()).toBe("500");
    await page.getByRole("button", { name: "Save settings" }).click();
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toMatch(/changed since you read it/);
    await screenshot(page, "stale-edit");
    await alert.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => page.getByLabel("Removal threshold (members)").inputValue()).toBe("777");
  });

  it("deletes a mapping after a confirmation that opens on Cancel and says the group's members stay", async () => {
    const members = world.serve.runtime.simulator!.groupMemberIds(PILOT_RING).length;
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${PILOT_RING}`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toMatch(/group and its members stay/);
    expect(await focused()).toBe("Cancel");
    // Enter on the focused button cancels: nothing is deleted by a stray key.
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await api("GET", `/mappings/${DEMO_DEVICE_COLLECTION}/${PILOT_RING}`)).status).toBe(200);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete mapping" }).click();
    await page.waitForURL(/#\/$/);
    await expect.poll(() => page.getByRole("table", { name: "Mappings" }).getByRole("row").count()).toBe(2);
    expect(world.serve.runtime.simulator!.groupMemberIds(PILOT_RING)).toHaveLength(members);
  });

  it("records who did what, and shows it on the Audit page with filters", async () => {
    await page.goto("/");
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    const table = page.getByRole("table", { name: "Audit trail" });
    await expect.poll(() => table.getByRole("row").count()).toBeGreaterThan(4);
    for (const action of ["Mapping created", "Mapping changed", "Blocked change approved", "Sync requested", "Mapping deleted"]) {
      expect(await table.getByRole("cell", { name: action, exact: true }).count(), action).toBeGreaterThan(0);
    }
    const changed = table
      .getByRole("row")
      .filter({ hasText: "Mapping changed" })
      .filter({ hasText: /mirror/ });
    expect(await changed.count()).toBeGreaterThan(0);
    await expectAccessible(page, "audit page");
    await screenshot(page, "audit");

    await page.getByLabel("Action").selectOption("mapping.delete");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.url()).toMatch(/action=mapping\.delete/);
    await expect.poll(() => table.getByRole("row").count()).toBe(2);
    expect(await table.textContent()).toContain("Autopilot devices → Autopilot Devices - Pilot Ring");
    await page.goBack();
    await expect.poll(() => table.getByRole("row").count()).toBeGreaterThan(4);
  });

  it("shows each dependency's health, and an API problem's title and detail instead of a blank page", async () => {
    await page.goto("/#/health");
    await expect.poll(() => page.getByRole("table", { name: "Dependencies" }).getByRole("row").count()).toBeGreaterThan(2);
    await expectAccessible(page, "health page");
    await screenshot(page, "health");

    await page.goto(`/#/mappings/PS1000FF/00000000-0000-4000-8000-000000000000`);
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toMatch(/Not found.*does not exist/s);
    await expectAccessible(page, "problem page");
    expect(world.pageErrors).toEqual([]);
  });
});
