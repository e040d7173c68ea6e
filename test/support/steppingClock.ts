import type { Clock } from "../../shared/sync/clock.js";

/** A clock tests move by hand (`advance`); sleeping moves it too, so waits cost no real time. */
export function steppingClock(start = Date.parse("2026-11-25T09:00:00Z")): Clock & { advance(ms: number): void } {
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
