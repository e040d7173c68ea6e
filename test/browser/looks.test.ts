import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID } from "../../simulator/index.js";
import { callApi, expectAccessible, openConsoleWorld, screenshot, type ConsoleWorld } from "./support/consoleWorld.js";

let world: ConsoleWorld;
let page: Page;

beforeAll(async () => {
  world = await openConsoleWorld();
  page = world.page;
  // Enough groups that the picker's list scrolls.
  const tenant = world.serve.runtime.simulator!;
  for (let n = 1; n <= 20; n++) {
    tenant.addGroup({
      id: `0000c0de-0000-4000-8000-${String(n).padStart(12, "0")}`,
      displayName: `Autopilot Wave ${String(n).padStart(2, "0")}`,
      securityEnabled: true,
      mailEnabled: false,
      groupTypes: [],
    });
  }
});

afterAll(async () => {
  await world?.close();
});

const mappingPage = `/#/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}`;
/** A computed style in the page (the function runs in the browser, where getComputedStyle exists). */
const styleOf = (locator: Locator, property: string, pseudo?: string): Promise<string> =>
  locator.evaluate(
    (el, [name, element]) =>
      (globalThis as unknown as { getComputedStyle(e: unknown, p?: string): Record<string, string> }).getComputedStyle(el, element ?? undefined)[name] ?? "",
    [property, pseudo ?? null] as const,
  );
const overflow = () => page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");

describe("the console in a browser, keyboard, window size and colour scheme", () => {
  it("sends its files compressed when the browser accepts it, and has a favicon", async () => {
    const scripts: { encoding: string | undefined; vary: string | undefined }[] = [];
    page.on("response", async (r) => {
      if (r.url().endsWith(".js")) {
        const headers = await r.allHeaders();
        scripts.push({ encoding: headers["content-encoding"], vary: headers["vary"] });
      }
    });
    await page.goto("/");
    await expect.poll(() => page.getByRole("table", { name: "Mappings" }).getByRole("row").count()).toBeGreaterThan(1);
    expect(scripts.length).toBeGreaterThan(5);
    for (const script of scripts) expect(script).toEqual({ encoding: "br", vary: "Accept-Encoding" });
    page.removeAllListeners("response");

    const icon = await page.evaluate<string>("document.querySelector('link[rel=icon]').href");
    for (const path of [new URL(icon).pathname, "/favicon.ico"]) {
      const answer = await fetch(`${world.serve.url}${path}`);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("content-type"), path).toBe("image/svg+xml");
    }
    // A client that asks for gzip only gets gzip; one that asks for nothing gets the plain file.
    const script = await page.evaluate<string>("document.querySelector('script[type=module]').src");
    const gzip = await fetch(script, { headers: { "accept-encoding": "gzip" } });
    expect(gzip.headers.get("content-encoding")).toBe("gzip");
  });

  it("keeps the highlighted picker option in view and visible, greyed-out ones included", async () => {
    await page.goto("/#/new");
    const group = page.getByRole("combobox", { name: "Group" });
    await group.fill("Autopilot");
    const list = page.getByRole("listbox", { name: "Group results" });
    await expect.poll(() => list.getByRole("option").count()).toBeGreaterThan(15);
    const options = await list.getByRole("option").count();
    for (let i = 0; i < options - 1; i++) await group.press("ArrowDown");
    const active = list.locator('[aria-selected="true"]');
    const activeId = await active.getAttribute("id");
    expect(await group.getAttribute("aria-activedescendant")).toBe(activeId);
    // In the list's visible box.
    const inView = await page.evaluate(`(() => {
      const list = document.getElementById("group-list").getBoundingClientRect();
      const option = document.getElementById(${JSON.stringify(activeId)}).getBoundingClientRect();
      return option.top >= list.top - 1 && option.bottom <= list.bottom + 1;
    })()`);
    expect(inView).toBe(true);
    // The highlight on a greyed-out option is still drawn (a frame, not only a tint lost in the grey).
    for (let i = 0; i < options && (await active.getAttribute("aria-disabled")) !== "true"; i++) await group.press("ArrowDown");
    expect(await active.getAttribute("aria-disabled")).toBe("true");
    expect(await styleOf(active, "outlineStyle")).toBe("solid");
    expect(await styleOf(active, "outlineColor")).not.toBe(await styleOf(active, "backgroundColor"));
    await screenshot(page, "picker-highlight-on-disabled");
  });

  it("is usable at 800 px: a table too wide says it scrolls sideways, keeps its first column, and shows the status without scrolling", async () => {
    await page.setViewportSize({ width: 800, height: 900 });
    await page.goto("/");
    const frame = page.getByRole("region", { name: "Mappings (scrolls sideways)" });
    await expect.poll(() => frame.count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByText("Scroll sideways for more columns").isVisible()).toBe(true);
    expect(await frame.getAttribute("tabindex")).toBe("0");
    expect(await overflow()).toBeLessThanOrEqual(1);
    const row = frame.locator("tbody tr").first();
    expect(await styleOf(row.locator("td").first(), "position")).toBe("sticky");
    const visible = await frame.boundingBox();
    for (const column of ["Collection", "Group", "Status"]) {
      const box = await row.locator(`[data-label="${column}"]`).boundingBox();
      expect(box!.x + box!.width, column).toBeLessThanOrEqual(visible!.x + visible!.width);
    }
    // The keyboard scrolls it: the frame takes focus and the arrow keys move it.
    await frame.focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("End");
    await expect.poll(() => frame.evaluate((el) => (el as unknown as { scrollLeft: number }).scrollLeft)).toBeGreaterThan(0);
    await expectAccessible(page, "mappings page at 800 px");
    await screenshot(page, "mappings-800");

    // The mapping page's tables fit, with each object id on one line.
    await page.goto(mappingPage);
    await page.getByRole("button", { name: "Preview", exact: true }).click();
    const preview = page.getByRole("table", { name: "Preview members" });
    await expect.poll(() => preview.getByRole("row").count(), { timeout: 30_000 }).toBeGreaterThan(1);
    expect(await overflow()).toBeLessThanOrEqual(1);
    const idHeights = await preview
      .locator(".id-text")
      .evaluateAll((els) => els.map((el) => (el as unknown as { getBoundingClientRect(): { height: number } }).getBoundingClientRect().height));
    expect(idHeights.length).toBeGreaterThan(0);
    const lineHeight = parseFloat(await styleOf(preview.locator("tbody td").first(), "lineHeight"));
    for (const h of idHeights) expect(h).toBeLessThan(lineHeight * 1.5);
    await expectAccessible(page, "mapping page at 800 px");
    await screenshot(page, "mapping-800");
  });

  it("is usable at 390 px: rows become cards where every column shows with its name", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/");
    const table = page.getByRole("table", { name: "Mappings" });
    await expect.poll(() => table.locator("tbody tr").count()).toBeGreaterThan(0);
    expect(await overflow()).toBeLessThanOrEqual(1);
    const row = table.locator("tbody tr").first();
    const cells = row.locator("td");
    const count = await cells.count();
    expect(count).toBe(8);
    for (let i = 0; i < count; i++) {
      const box = await cells.nth(i).boundingBox();
      expect(box, `column ${i + 1}`).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(391);
      expect(await styleOf(cells.nth(i), "content", "::before")).toMatch(/^".+"$/);
    }
    await expectAccessible(page, "mappings page at 390 px");
    await screenshot(page, "mappings-390");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("follows a dark colour scheme, and stays free of axe violations there", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    for (const [path, what] of [
      ["/", "mappings"],
      [mappingPage, "mapping"],
      ["/#/audit", "audit"],
      ["/#/health", "health"],
    ] as const) {
      await page.goto(path);
      await page.waitForSelector("h1");
      await page.waitForLoadState("networkidle");
      const background = await page.evaluate("getComputedStyle(document.body).backgroundColor");
      expect(background, what).toBe("rgb(13, 17, 23)");
      await expectAccessible(page, `${what} page, dark`);
      await screenshot(page, `${what}-dark`);
    }
    await page.emulateMedia({ colorScheme: "light" });
    expect(world.pageErrors).toEqual([]);
    const health = await callApi(world, "GET", "/health");
    expect([200, 503]).toContain(health.status);
  });
});
