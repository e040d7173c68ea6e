import type { Clock } from "../../shared/core/ports/clock.js";

/** A clock the test moves by hand; sleeping advances it at once, so no test waits for real time. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
}

export function fakeClock(start = Date.parse("2025-03-10T09:05:00.000Z")): FakeClock {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
