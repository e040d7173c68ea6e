import { ApiError, call } from "../api.js";
import { Badge } from "../components/badges.js";
import { ProblemView } from "../components/problem.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
  readonly fix?: string;
}

interface Health {
  readonly status: string;
  readonly checks: Check[];
  readonly deadLetterCount: number | null;
}

const LABELS: Record<string, string> = {
  storage: "Table Storage",
  graph: "Microsoft Graph",
  adminService: "ConfigMgr AdminService",
  snapshots: "Collector snapshots",
  deadLetters: "Queue dead letters",
};

/** What to do when a check fails (docs/operating.md has the long form). */
const FIXES: Record<string, string> = {
  storage: "Check TABLES_ENDPOINT (or TABLES_CONNECTION) and that the app's identity holds Storage Table Data Contributor on the account.",
  graph:
    "Grant the app's identity GroupMember.ReadWrite.All, Device.ReadWrite.All and User.Read.All on Microsoft Graph (infra/grant-graph-permissions.sh); new grants can take up to a day to reach the token.",
  adminService:
    "Check ADMINSERVICE_URL, ADMINSERVICE_AUTH / ADMINSERVICE_SCOPE and that the identity is a ConfigMgr administrative user (Read-only Analyst is enough).",
  snapshots: "Check that the collector on the site server runs and can reach this app.",
  deadLetters: "Jobs failed repeatedly: read the dead-lettered messages' reason, fix it, then resubmit or purge them.",
};

function isHealth(body: unknown): body is Health {
  return body !== null && typeof body === "object" && Array.isArray((body as { checks?: unknown }).checks);
}

/** Each dependency with its state and, when it fails, how to fix it. */
export function HealthPage(): VNode {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    // 503 still carries the report: the page shows which dependency is down.
    call<Health>("GET", "/health").then(
      (answer) => setHealth(answer.body),
      (failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 503 && isHealth(failure.body)) setHealth(failure.body);
        else setError(failure);
      },
    );
  }, []);
  if (error) return html`<section><h1>Health</h1><${ProblemView} error=${error} /></section>`;
  if (health === null) return html`<section><h1>Health</h1><p aria-live="polite">Checking…</p></section>`;
  return html`<section>
    <h1>Health</h1>
    <p>Overall: <${Badge} text=${health.status} /></p>
    <div class="table-wrap"><table aria-label="Dependencies">
      <thead><tr><th scope="col">Dependency</th><th scope="col">State</th><th scope="col">Detail</th><th scope="col">Fix</th></tr></thead>
      <tbody>
        ${health.checks.map(
          (check) => html`<tr>
          <td>${LABELS[check.name] ?? check.name}</td>
          <td><${Badge} text=${check.ok ? "healthy" : "unhealthy"} /></td>
          <td>${check.detail ?? ""}</td>
          <td>${check.ok ? "" : (check.fix ?? FIXES[check.name] ?? "")}</td>
        </tr>`,
        )}
        <tr>
          <td>${LABELS.deadLetters}</td>
          <td><${Badge} text=${health.deadLetterCount === null ? "unknown" : health.deadLetterCount > 0 ? "degraded" : "healthy"} /></td>
          <td>${health.deadLetterCount === null ? "not measured (SERVICEBUS_RESOURCE_ID not set)" : `${health.deadLetterCount} dead-lettered job(s)`}</td>
          <td>${health.deadLetterCount ? FIXES.deadLetters : ""}</td>
        </tr>
      </tbody>
    </table></div>
  </section>`;
}
