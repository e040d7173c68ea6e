import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID } from "../../simulator/index.js";
import { expectAccessible, openConsoleWorld, parseCsv, screenshot, type ConsoleWorld } from "./support/consoleWorld.js";

/** An empty assigned security group of the demo seed: the target of the mapping the admin creates. */
const PILOT_RING = "3b8f2d61-5c0e-4f7a-9d2b-8e41c6a7f905";
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

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${world.serve.url}/api${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Keeps the README's pictures in step when asked (UPDATE_README_IMAGES=1 npm run test:browser). */
function readmeImage(shot: string, name: string): void {
  if (process.env.UPDATE_README_IMAGES !== "1") return;
  mkdirSync(README_IMAGES, { recursive: true });
  copyFileSync(shot, join(README_IMAGES, name));
}

describe("the console, as a new admin uses it", () => {
  it("lists the mappings in a table whose rows link to their mapping pages", async () => {
    await page.goto("/");
    const table = page.getByRole("table", { name: "Mappings" });
    await expect.poll(() => table.getByRole("row").count()).toBeGreaterThan(1);
    const link = table.getByRole("link", { name: "Autopilot devices" });
    expect(await link.getAttribute("href")).toBe(`#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`);
    await expectAccessible(page, "mappings page");
    readmeImage(await screenshot(page, "mappings"), "console-mappings.png");
  });

  it("creates a mapping through both pickers without typing an id, previews it, and sees it sync", async () => {
    await page.goto("/");
    await page.getByRole("button", { name: "New mapping", exact: true }).click();
    const collection = page.getByRole("combobox", { name: "Collection" });
    await collection.fill("Autopilot");
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
    await expectAccessible(page, "new mapping page with the group list open");
    await screenshot(page, "new-mapping-pickers");
    await page.getByRole("option", { name: /Autopilot Devices - Pilot Ring/ }).click();
    await expect.poll(() => group.inputValue()).toBe("Autopilot Devices - Pilot Ring");

    await page.getByRole("button", { name: "Preview", exact: true }).click();
    const preview = page.getByRole("table", { name: "Preview members" });
    await expect.poll(() => preview.getByRole("row").count()).toBeGreaterThan(1);
    expect(await preview.getByText("no Entra id in ConfigMgr").count()).toBeGreaterThan(0);
    await screenshot(page, "new-mapping-preview");

    await page.getByRole("button", { name: "Create mapping", exact: true }).click();
    await page.waitForURL(`**/#/mappings/${DEMO_DEVICE_COLLECTION}/${PILOT_RING}`);
    const run = page.getByRole("link", { name: /succeeded/ });
    await expect.poll(() => run.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(world.serve.runtime.simulator?.groupMemberIds(PILOT_RING).length).toBeGreaterThan(0);
    await expectAccessible(page, "mapping page");
    await screenshot(page, "mapping");
  });

  it("opens the run and downloads its members as CSV, matching the run's counts", async () => {
    await page.getByRole("link", { name: /succeeded/ }).first().click();
    await page.waitForURL(/\/runs\//);
    const runId = decodeURIComponent(page.url().split("/runs/")[1] ?? "");
    const run = (await api<{ counts: { added: number; removed: number; failed: number; skipped: Record<string, number> } }>("GET", `/mappings/${DEMO_DEVICE_COLLECTION}/${PILOT_RING}/runs/${runId}`)).body;
    await expect.poll(() => page.getByRole("table", { name: "Members" }).getByRole("row").count()).toBeGreaterThan(1);
    await page.getByRole("searchbox", { name: "Search members" }).fill("no-entra");
    await expect.poll(() => page.getByRole("table", { name: "Members" }).getByRole("row").count()).toBe(1 + (run.counts.skipped["no-entra-id"] ?? 0));
    await page.getByRole("searchbox", { name: "Search members" }).fill("");
    await expectAccessible(page, "run page");
    readmeImage(await screenshot(page, "run"), "console-run.png");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const rows = parseCsv(readFileSync(await download.path(), "utf8"));
    expect(rows[0]).toEqual(["outcome", "reason", "resourceId", "name", "entraId", "objectId", "error"]);
    const body = rows.slice(1);
    const count = (outcome: string, reason?: string) => body.filter((r) => r[0] === outcome && (reason === undefined || r[1] === reason)).length;
    expect(count("added")).toBe(run.counts.added);
    expect(count("removed")).toBe(run.counts.removed);
    expect(count("failed")).toBe(run.counts.failed);
    const skippedTotal = Object.values(run.counts.skipped).reduce((a, b) => a + b, 0);
    expect(skippedTotal).toBeGreaterThan(0);
    expect(count("skipped")).toBe(skippedTotal);
    for (const [reason, n] of Object.entries(run.counts.skipped)) expect(count("skipped", reason)).toBe(n);
    // Every skipped device is named, with its ConfigMgr ResourceID.
    for (const row of body.filter((r) => r[0] === "skipped")) expect(row[2]).toMatch(/^\d+$/);
  });

  it("previews and approves exactly the removals a mirror change is blocked on", async () => {
    const demo = world.serve.runtime.simulator!;
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`);
    await page.getByRole("radio", { name: "mirror" }).check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => page.getByText("Settings saved.").count()).toBe(1);
    await page.getByRole("button", { name: "Sync now", exact: true }).click();
    await expect.poll(() => page.getByText(/Removals blocked \(mirror-first-sync\)/).count(), { timeout: 60_000 }).toBe(1);
    const membersBefore = demo.groupMemberIds(DEMO_GROUP_ID).length;

    await page.getByRole("button", { name: "Preview", exact: true }).click();
    const preview = page.getByRole("table", { name: "Preview members" });
    await expect.poll(() => preview.getByRole("row").count()).toBeGreaterThan(1);
    const previewedRemovals = await preview.getByRole("row").filter({ hasText: /^removed/ }).count();
    expect(previewedRemovals).toBeGreaterThan(0);

    await page.getByRole("button", { name: "Approve", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByRole("table", { name: "Removals to approve" }).getByRole("row").count()).toBe(1 + previewedRemovals);
    await expectAccessible(page, "approve dialog");
    await screenshot(page, "approve");
    await dialog.getByRole("button", { name: new RegExp(`^Approve ${previewedRemovals} removal`) }).click();
    await expect.poll(() => page.getByText(/Synced: succeeded/).count(), { timeout: 60_000 }).toBe(1);
    expect(demo.groupMemberIds(DEMO_GROUP_ID).length).toBe(membersBefore - previewedRemovals);
    const runs = (await api<{ items: { counts: { removed: number } }[] }>("GET", `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}/runs?pageSize=1`)).body;
    expect(runs.items[0]?.counts.removed).toBe(previewedRemovals);
  });

  it("offers a reload when the mapping changed since the page was opened (412)", async () => {
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`);
    const threshold = page.getByLabel("Removal threshold (members)");
    await threshold.fill("50");
    const changed = await api("PATCH", `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`, { removalThresholdCount: 77 }, { "if-match": "*" });
    expect(changed.status).toBe(200);
    await page.getByRole("button", { name: "Save settings" }).click();
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toMatch(/changed since you read it/);
    await screenshot(page, "stale-edit");
    await alert.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => page.getByLabel("Removal threshold (members)").inputValue()).toBe("77");
  });

  it("deletes a mapping after a confirmation that says the group's members stay", async () => {
    const members = world.serve.runtime.simulator!.groupMemberIds(PILOT_RING).length;
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${PILOT_RING}`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toMatch(/group and its members stay/);
    await dialog.getByRole("button", { name: "Delete mapping" }).click();
    await page.waitForURL(/#\/$/);
    await expect.poll(() => page.getByRole("table", { name: "Mappings" }).getByRole("link").count()).toBe(1);
    expect(world.serve.runtime.simulator!.groupMemberIds(PILOT_RING)).toHaveLength(members);
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
  });

  it("fits a narrow window and reported no CSP violation or script error", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto("/");
    await expect.poll(() => page.getByRole("table", { name: "Mappings" }).getByRole("row").count()).toBeGreaterThan(1);
    const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(page, "mappings-narrow");
    expect(world.pageErrors).toEqual([]);
  });
});
