import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID } from "../../simulator/index.js";
import { expectAccessible, openConsoleWorld, screenshot, type ConsoleWorld } from "./support/consoleWorld.js";

const FULL_KEY = "full-access-key-for-the-browser-suite";
const READ_KEY = "read-only-key-for-the-browser-suite";

let world: ConsoleWorld;
let page: Page;

/** `serve` with API_KEY and API_READ_KEY; the browser sends the read key, as a read-only user's proxy would. */
beforeAll(async () => {
  world = await openConsoleWorld({ env: { API_KEY: FULL_KEY, API_READ_KEY: READ_KEY }, headers: { "x-api-key": READ_KEY } });
  page = world.page;
});

afterAll(async () => {
  await world?.close();
});

describe("the console for a user with Mappings.Read only", () => {
  it("lists mappings but offers no New mapping button", async () => {
    await page.goto("/");
    await expect.poll(() => page.getByRole("table", { name: "Mappings" }).getByRole("row").count()).toBeGreaterThan(1);
    expect(await page.getByText("api-read-key (read only)").count()).toBe(1);
    expect(await page.getByRole("button", { name: "New mapping" }).count()).toBe(0);
    await expectAccessible(page, "read-only mappings page");
  });

  it("shows a mapping with Preview but without Sync now, Approve, Delete or Save", async () => {
    await page.goto(`/#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`);
    await expect.poll(() => page.getByRole("button", { name: "Preview", exact: true }).count()).toBe(1);
    for (const name of ["Sync now", "Approve", "Delete", "Save settings"]) expect(await page.getByRole("button", { name }).count(), name).toBe(0);
    expect(await page.getByRole("radio", { name: "mirror" }).isDisabled()).toBe(true);
    await expectAccessible(page, "read-only mapping page");
    await screenshot(page, "mapping-read-only");
  });

  it("is refused by the API when it writes anyway", async () => {
    const answer = await fetch(`${world.serve.url}/api/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}/sync`, {
      method: "POST",
      headers: { "x-api-key": READ_KEY },
    });
    expect(answer.status).toBe(403);
    expect(world.pageErrors).toEqual([]);
  });
});
