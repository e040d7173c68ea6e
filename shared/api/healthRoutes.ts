import { ensureError } from "../errors.js";
import type { ApiDeps } from "./apiTypes.js";
import type { HealthCheck } from "./health.js";
import { json, type Route } from "./router.js";

/**
 * `GET /health`: 200 when every dependency answers (status "degraded" while dead-lettered jobs wait for a
 * person), 503 when one is down, so a load balancer or App Service health check can act on the code alone.
 */
export function healthRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: "GET",
      pattern: "/health",
      access: "read",
      async handle() {
        const [report, deadLetters] = await Promise.all([
          deps.health(),
          deps.queue.deadLetterCount().then(
            (count) => ({ count, check: null }),
            (error: unknown) => ({
              count: null,
              check: { name: "deadLetters", ok: false, detail: ensureError(error).message.slice(0, 200) } satisfies HealthCheck,
            }),
          ),
        ]);
        const checks = deadLetters.check === null ? [...report.checks] : [...report.checks, deadLetters.check];
        const down = checks.some((check) => !check.ok);
        const status = down ? "unhealthy" : (deadLetters.count ?? 0) > 0 ? "degraded" : "healthy";
        return json(down ? 503 : 200, { status, checks, deadLetterCount: deadLetters.count });
      },
    },
  ];
}
