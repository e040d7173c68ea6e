import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readText, repoRoot } from "./support/repoText.js";

/** README is a page a newcomer reads to the end; the rest of the manual is in docs/, every page reachable from its index. */
const README_LIMIT_BYTES = 20 * 1024;

describe("the manual", () => {
  it(`keeps README.md under ${README_LIMIT_BYTES / 1024} KB`, () => {
    expect(Buffer.byteLength(readText(join(repoRoot, "README.md")))).toBeLessThanOrEqual(README_LIMIT_BYTES);
  });

  it("lists every page of docs/ in the docs/README.md index", () => {
    const index = readText(join(repoRoot, "docs/README.md"));
    const pages = readdirSync(join(repoRoot, "docs")).filter((name) => name.endsWith(".md") && name !== "README.md");
    expect(pages.filter((page) => !index.includes(`](${page})`))).toEqual([]);
  });

  it("leads from README to the docs/ index", () => {
    expect(readText(join(repoRoot, "README.md"))).toContain("](docs/README.md)");
  });

  it("names in README the Debian packages .ci/run installs for the Kerberos and browser suites", () => {
    const ci = readText(join(repoRoot, ".ci/run"));
    const packages = /packages=\(([^)]*)\)/.exec(ci)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
    expect(packages.length).toBeGreaterThan(0);
    const readme = readText(join(repoRoot, "README.md"));
    expect(packages.filter((name) => !readme.includes(name))).toEqual([]);
  });
});
