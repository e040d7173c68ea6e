import { getIfChanged } from "./api.js";
import { useEffect, useRef, useState } from "./vendor/htm-preact.js";

/** How often a visible page asks whether what it shows changed (a 304 costs the server next to nothing). */
export const LIVE_MS = 5000;

export interface Live<T> {
  readonly data: T | null;
  readonly etag: string | null;
  readonly error: unknown;
  /** Ask now (after an action), instead of waiting for the next tick. */
  readonly refresh: () => void;
}

/**
 * A GET that stays true while the page is in view: asked again every `LIVE_MS` while the tab is visible (and at
 * once when it becomes visible again), with If-None-Match, so an unchanged answer is a bodiless 304. A changed
 * `path` starts over. Errors are shown, and the next tick tries again.
 */
export function useLive<T>(path: string, intervalMs = LIVE_MS): Live<T> {
  const [state, setState] = useState<{ path: string; data: T | null; etag: string | null; error: unknown }>({ path, data: null, etag: null, error: null });
  const [tick, setTick] = useState(0);
  const etag = useRef<string | null>(null);

  useEffect(() => {
    etag.current = null;
    setState({ path, data: null, etag: null, error: null });
  }, [path]);

  useEffect(() => {
    let live = true;
    getIfChanged<T>(path, etag.current).then(
      (answer) => {
        if (!live || answer === null) return;
        etag.current = answer.etag;
        setState({ path, data: answer.body, etag: answer.etag, error: null });
      },
      (error: unknown) => live && setState((previous) => ({ ...previous, path, error })),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);

  useEffect(() => {
    const again = () => {
      if (document.visibilityState === "visible") setTick((n) => n + 1);
    };
    const timer = window.setInterval(again, intervalMs);
    document.addEventListener("visibilitychange", again);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", again);
    };
  }, [intervalMs]);

  const current = state.path === path ? state : { data: null, etag: null, error: null };
  return { data: current.data, etag: current.etag, error: current.error, refresh: () => setTick((n) => n + 1) };
}

/** The current time, moving on every `everyMs` while the page is visible: relative times ("2 min ago") age. */
export function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") setNow(Date.now());
    }, everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}
