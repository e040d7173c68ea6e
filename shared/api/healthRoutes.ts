import { ensureError } from "../errors.js";
import type { NotificationHealth } from "../notify/notifications.js";
import type { ApiDeps } from "./apiTypes.js";
import type { HealthCheck } from "./health.js";
import { json, type Route } from "./router.js";

/** Notification delivery (pending, last failure); a receiver that is down makes the app "degraded", not down. */
async function notificationHealth(deps: ApiDeps): Promise<{ health: NotificationHealth | null; check: HealthCheck | null }> {
  if (deps.notificationHealth === undefined) return { health: null, check: null };
  try {
    return { health: await deps.notificationHealth(), check: null };
  } catch (error) {
    return { health: null, check: { name: "notifications", ok: false, detail: ensureError(error).message.slice(0, 200) } };
  }
}

/**
 * `GET /health`: 200 when every dependency answers (status "degraded" while dead-lettered jobs wait for a
 * person, or while notifications fail to reach their receiver), 503 when one is down, so a load balancer or
 * App Service health check can act on the code alone.
 */
export function healthRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: "GET",
      pattern: "/health",
      access: "read",
      async handle() {
        const [report, deadLetters, notifications] = await Promise.all([
          deps.health(),
          deps.queue.deadLetterCount().then(
            (count) => ({ count, check: null }),
            (error: unknown) => ({
              count: null,
              check: { name: "deadLetters", ok: false, detail: ensureError(error).message.slice(0, 200) } satisfies HealthCheck,
            }),
          ),
          notificationHealth(deps),
        ]);
        const checks = [...report.checks, ...[deadLetters.check, notifications.check].filter((check) => check !== null)];
        const down = checks.some((check) => !check.ok);
        const waiting = (deadLetters.count ?? 0) > 0 || notifications.health?.failing === true;
        const status = down ? "unhealthy" : waiting ? "degraded" : "healthy";
        return json(down ? 503 : 200, {
          status,
          checks,
          deadLetterCount: deadLetters.count,
          ...(deps.notificationHealth === undefined ? {} : { notifications: notifications.health }),
        });
      },
    },
  ];
}
