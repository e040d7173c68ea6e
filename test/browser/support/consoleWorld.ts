import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import { startServe, type ServeHandle } from "../../../cli/commands/serveCommand.js";
import { bufferIo } from "../../../cli/io.js";
import { silentLogger } from "../../../shared/logger.js";

/** Debian's chromium package; the browser is never downloaded (no `playwright install`). */
export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = join(process.cwd(), "test-artifacts", "browser");
const CONSOLE_DIR = join(process.cwd(), "dist", "console");

export interface ConsoleWorld {
  readonly serve: ServeHandle;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** CSP violations and uncaught errors the page reported. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/**
 * `serve` on the built-in simulated tenant (demo seed, embedded Azurite in memory) and a headless Chromium
 * page on its console. Fails loudly when the browser or the built console is missing.
 */
export async function openConsoleWorld(
  options: { env?: Record<string, string>; headers?: Record<string, string>; colorScheme?: "light" | "dark" } = {},
): Promise<ConsoleWorld> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install the Debian package (apt-get install -y chromium). The browser suite never downloads a browser.`,
    );
  if (!existsSync(join(CONSOLE_DIR, "index.html"))) throw new Error("dist/console is missing: run `npm run build` (npm run test:browser does).");
  mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "collection-sync-browser-"));
  const serve = await startServe({
    port: 0,
    host: "127.0.0.1",
    env: options.env ?? {},
    io: bufferIo(),
    log: silentLogger,
    dataDir,
    inMemoryStorage: true,
    schedule: false,
    consoleDir: CONSOLE_DIR,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const context = await browser.newContext({
    baseURL: serve.url,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    colorScheme: options.colorScheme ?? "light",
    ...(options.headers ? { extraHTTPHeaders: options.headers } : {}),
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !/status of (4|5)\d\d/.test(message.text())) pageErrors.push(message.text());
  });
  return {
    serve,
    browser,
    context,
    page,
    pageErrors,
    async close() {
      await browser.close();
      await serve.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The API as a script or another admin calls it, beside the browser (same server, its own requests). */
export async function callApi<T>(
  world: ConsoleWorld,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${world.serve.url}/api${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
}

const AXE_SOURCE = readFileSync(join(process.cwd(), "node_modules", "axe-core", "axe.min.js"), "utf8");

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: unknown[];
}

/**
 * axe-core over the page as it is: no violation of any impact. Injected through the DevTools protocol (page.evaluate), which the page's
 * CSP does not govern, so the console keeps its strict policy while it is checked.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  // A string, so this Node-side file needs no DOM types: it runs in the page.
  const violations = await page.evaluate<AxeViolation[]>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) })))",
  );
  expect(violations, `${what}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** RFC 4180 parsing (quoted fields, doubled quotes, CRLF), to read the console's CSV download back. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}
