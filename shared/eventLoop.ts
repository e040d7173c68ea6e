/**
 * Long loops over a large collection's members (1,000,000 at the largest sites) give the event loop a turn every
 * slice, so the API, health probes and other runs in the same process keep answering while one run works.
 */

/** Items handled between two turns: a few milliseconds of work each. */
export const SLICE = 5_000;

/** Lets timers and I/O that are due run before the loop goes on. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `work` for every item, with a turn of the event loop after every `slice` items. */
export async function forEachSliced<T>(items: Iterable<T>, work: (item: T) => void, slice = SLICE): Promise<void> {
  let done = 0;
  for (const item of items) {
    work(item);
    if (++done % slice === 0) await yieldToLoop();
  }
}

/** Runs `steps` to its end without pausing: for work known to be small. */
export function runWhole<R>(steps: Generator<void, R>): R {
  let step = steps.next();
  while (step.done !== true) step = steps.next();
  return step.value;
}

/** Runs `steps` to its end with a turn of the event loop at each of its pauses (each `yield`). */
export async function runSliced<R>(steps: Generator<void, R>): Promise<R> {
  let step = steps.next();
  while (step.done !== true) {
    await yieldToLoop();
    step = steps.next();
  }
  return step.value;
}
