import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot } from "./bicep.js";

/** One canned `az rest` answer. */
export interface FakeRoute {
  readonly method: "get" | "post" | "patch";
  readonly url: string;
  readonly response: unknown;
}

/** What the script asked the fake CLI for. */
export interface FakeCall {
  readonly tool: "az" | "azd";
  readonly method?: string;
  readonly url?: string;
  readonly headers?: string[];
  readonly body?: Record<string, unknown> | null;
  readonly query?: string | null;
  readonly args?: string[];
}

export interface ScriptResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: FakeCall[];
}

const fakeAz = fileURLToPath(new URL("./fakeAz.mjs", import.meta.url));

/**
 * Runs an infra shell script with `sh` (as azd does) against the fake `az`/`azd` (fakeAz.mjs), in a
 * minimal environment, and returns what it printed and every call it made.
 */
export function runScript(
  script: string,
  args: readonly string[],
  options: { routes: readonly FakeRoute[]; env?: Record<string, string>; withAzd?: boolean },
): ScriptResult {
  const dir = mkdtempSync(join(tmpdir(), "fake-az-"));
  try {
    const statePath = join(dir, "state.json");
    writeFileSync(statePath, JSON.stringify({ routes: options.routes, calls: [] }));
    const tools = options.withAzd === true ? ["az", "azd"] : ["az"];
    for (const tool of tools) {
      const path = join(dir, tool);
      writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${fakeAz}" ${tool} "$@"\n`);
      chmodSync(path, 0o755);
    }
    const result = spawnSync("sh", [join(repoRoot, script), ...args], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { PATH: `${dir}:/usr/local/bin:/usr/bin:/bin`, HOME: dir, FAKE_AZ_STATE: statePath, ...options.env },
    });
    const state = JSON.parse(readFileSync(statePath, "utf8")) as { calls: FakeCall[] };
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: state.calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
