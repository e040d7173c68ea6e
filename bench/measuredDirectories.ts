/**
 * A DirectoryProvider that hands out the real Graph adapter's views and watches them from outside: how long the
 * engine spent writing members (the write phase), and how many Graph requests member resolution took. Nothing
 * in the product is changed by it; every call goes straight through.
 */
import type { Directory, DirectoryProvider } from "../shared/core/ports/directory.js";

export interface DirectoryWatch {
  /** Wall time spent inside addMembers/removeMembers since the last reset, ms. */
  writeMs: number;
  /** When the first write call since the last reset started and the last one ended (epoch ms; null = none). */
  firstWriteAt: number | null;
  lastWriteAt: number | null;
  /** Graph HTTP requests made by findDevicesByDeviceId/findUsers since the last reset. */
  resolutionRequests: number;
  reset(): void;
}

export function measureDirectories(inner: DirectoryProvider): { provider: DirectoryProvider; watch: DirectoryWatch } {
  const watch: DirectoryWatch = {
    writeMs: 0,
    firstWriteAt: null,
    lastWriteAt: null,
    resolutionRequests: 0,
    reset() {
      this.writeMs = 0;
      this.firstWriteAt = null;
      this.lastWriteAt = null;
      this.resolutionRequests = 0;
    },
  };
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    watch.firstWriteAt ??= Date.now();
    try {
      return await work();
    } finally {
      watch.writeMs += performance.now() - started;
      watch.lastWriteAt = Date.now();
    }
  };
  const counted = async <T>(view: Directory, work: () => Promise<T>): Promise<T> => {
    const before = view.stats().requests;
    try {
      return await work();
    } finally {
      watch.resolutionRequests += view.stats().requests - before;
    }
  };
  const provider: DirectoryProvider = {
    open(tenantId) {
      const view = inner.open(tenantId);
      const watched: Directory = Object.create(view) as Directory;
      return Object.assign(watched, {
        addMembers: (...args: Parameters<Directory["addMembers"]>) => timed(() => view.addMembers(...args)),
        removeMembers: (...args: Parameters<Directory["removeMembers"]>) => timed(() => view.removeMembers(...args)),
        findDevicesByDeviceId: (...args: Parameters<Directory["findDevicesByDeviceId"]>) => counted(view, () => view.findDevicesByDeviceId(...args)),
        findUsers: (...args: Parameters<Directory["findUsers"]>) => counted(view, () => view.findUsers(...args)),
      });
    },
  };
  return { provider, watch };
}
