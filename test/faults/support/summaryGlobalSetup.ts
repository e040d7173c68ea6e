import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type { TallyLine } from "./tally.js";

/**
 * Collects every scenario's tally (tally.ts) and prints the suite's summary once all test files are done:
 * plain lines a CI log shows as they are. Lost members and wrongful removals must read 0.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "collection-sync-faults-"));
  project.provide("faultTallyDir", dir);
  return () => {
    const lines: TallyLine[] = readdirSync(dir)
      .filter((name) => name.endsWith(".jsonl"))
      .flatMap((name) => readFileSync(join(dir, name), "utf8").split("\n"))
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as TallyLine);
    rmSync(dir, { recursive: true, force: true });
    const sum = (field: "faultsInjected" | "inputsTried" | "loadRequests" | "membersLost" | "wrongfulRemovals") =>
      lines.reduce((total, line) => total + (line[field] ?? 0), 0);
    const summary = [
      "",
      "Fault and abuse suite summary",
      `  scenarios run:      ${lines.length}`,
      `  faults injected:    ${sum("faultsInjected")}`,
      `  inputs tried:       ${sum("inputsTried")}`,
      `  load requests:      ${sum("loadRequests")}`,
      `  members lost:       ${sum("membersLost")}`,
      `  wrongful removals:  ${sum("wrongfulRemovals")}`,
      "",
    ];
    process.stdout.write(`${summary.join("\n")}\n`);
  };
}
