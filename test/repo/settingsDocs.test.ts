import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ADMINSERVICE_AUTH_MODES, loadSettings, settingsSchema } from "../../shared/config/settings.js";

/** docs/configuration.md's settings table is the user's list of settings: it must name every one the code reads. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const configurationDoc = () => readFileSync(join(root, "docs/configuration.md"), "utf8");

/** The table row of one setting. */
const settingRow = (name: string) =>
  configurationDoc()
    .split("\n")
    .find((line) => line.startsWith(`| \`${name}\` |`)) ?? "";

/** The names in the first column of docs/configuration.md's settings table (`A` or `A` / `B`). */
function documentedSettings(): Set<string> {
  const names = configurationDoc()
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => [...(line.split("|")[1] ?? "").matchAll(/`([A-Za-z0-9_]+)`/g)].map((match) => match[1] ?? ""));
  return new Set(names);
}

describe("the settings table of docs/configuration.md", () => {
  it("lists every setting of shared/config/settings.ts", () => {
    const documented = documentedSettings();
    expect(Object.keys(settingsSchema.shape).filter((name) => !documented.has(name))).toEqual([]);
  });

  it("lists no setting the code does not read", () => {
    const known = new Set(Object.keys(settingsSchema.shape));
    expect([...documentedSettings()].filter((name) => !known.has(name))).toEqual([]);
  });

  it("describes every ADMINSERVICE_AUTH mode, entra-app as not documented by Microsoft", () => {
    const row = settingRow("ADMINSERVICE_AUTH");
    for (const mode of ADMINSERVICE_AUTH_MODES) expect(row).toContain(`\`${mode}\``);
    expect(row).toMatch(/`entra-app`[^|]*not documented by Microsoft/);
  });

  it("calls ADMINSERVICE_SCOPE required for the Entra modes only, as the settings check does", () => {
    const row = settingRow("ADMINSERVICE_SCOPE");
    expect(row).toMatch(/required for `entra-user` \/ `entra-app` only/);
    const remote = { ADMINSERVICE_URL: "https://cm01.contoso.com/AdminService" };
    expect(() => loadSettings({ ...remote, ADMINSERVICE_AUTH: "negotiate" })).not.toThrow();
    expect(() => loadSettings({ ...remote, ADMINSERVICE_AUTH: "entra-app" })).toThrow(/ADMINSERVICE_SCOPE/);
  });
});
