import { describe, expect, it } from "vitest";
import { probeAll, reusedWhileFresh } from "../../shared/doctor/health.js";

/** A dependency whose answers the test controls, counting how often it is asked. */
function dependency() {
  const dep = {
    asked: 0,
    down: false,
    /** While set, probes wait on it: a dependency busy behind a large sync. */
    gate: null as Promise<void> | null,
    probe: async () => {
      dep.asked += 1;
      if (dep.gate !== null) await dep.gate;
      if (dep.down) throw new Error("connect ECONNREFUSED");
    },
  };
  return dep;
}

describe("/api/health during a long sync", () => {
  it("answers from the last report while it is fresh, without asking the dependency again", async () => {
    let now = 0;
    const graph = dependency();
    const health = reusedWhileFresh(() => probeAll({ graph: graph.probe }), { freshMs: 15_000, staleMs: 60_000, now: () => now });
    expect((await health()).checks[0]).toMatchObject({ name: "graph", ok: true });
    now = 14_000;
    await health();
    await health();
    expect(graph.asked).toBe(1);
  });

  it("answers at once with the last report while a new one waits on a busy dependency, then shows the new one", async () => {
    let now = 0;
    const graph = dependency();
    const health = reusedWhileFresh(() => probeAll({ graph: graph.probe }), { freshMs: 15_000, staleMs: 60_000, now: () => now });
    const first = await health();
    now = 20_000;
    graph.down = true;
    let answer!: () => void;
    graph.gate = new Promise<void>((resolve) => (answer = resolve));
    const meanwhile = await health();
    expect(meanwhile.checks[0]).toMatchObject({ ok: true, checkedAt: first.checks[0]?.checkedAt });
    graph.gate = null;
    answer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = await health();
    expect(after.checks[0]).toMatchObject({ name: "graph", ok: false, detail: "connect ECONNREFUSED" });
    expect(graph.asked).toBe(2);
  });

  it("makes callers wait for a new report when the last one is too old to stand in", async () => {
    let now = 0;
    const graph = dependency();
    const health = reusedWhileFresh(() => probeAll({ graph: graph.probe }), { freshMs: 15_000, staleMs: 60_000, now: () => now });
    await health();
    now = 61_000;
    graph.down = true;
    expect((await health()).checks[0]).toMatchObject({ ok: false });
  });

  it("shares one probe run between callers that arrive together", async () => {
    const graph = dependency();
    const health = reusedWhileFresh(() => probeAll({ graph: graph.probe }), { freshMs: 15_000, staleMs: 60_000 });
    const answers = await Promise.all([health(), health(), health()]);
    expect(graph.asked).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });
});
