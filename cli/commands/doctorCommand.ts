import { diagnoseCollector } from "../../shared/doctor/collectorDiagnosis.js";
import type { Diagnosis, DiagnosticCheck } from "../../shared/doctor/diagnosis.js";
import { loadSettings } from "../../shared/config/settings.js";
import { optionalString, parse } from "../args.js";
import type { CliIo } from "../io.js";
import { openLocalRuntime } from "../runtime.js";
import { buildCollector } from "./collectCommand.js";

const MARK: Record<DiagnosticCheck["status"], string> = { ok: "✔", fail: "✘", na: "–" };

/** One line per check; a failed check's fix on the line below it. */
export function diagnosisText(diagnosis: Diagnosis): string {
  const lines = diagnosis.checks.flatMap((check) => [
    `${MARK[check.status]} ${check.name}: ${check.detail}`,
    ...(check.status === "fail" && check.fix !== undefined ? [`    fix: ${check.fix}`] : []),
  ]);
  const count = (status: DiagnosticCheck["status"]) => diagnosis.checks.filter((check) => check.status === status).length;
  lines.push("", `${count("ok")} passed, ${count("fail")} failed, ${count("na")} not applicable.`);
  return lines.join("\n");
}

/**
 * `doctor [--app URL] [--json]`: checks every dependency as configured here, one line each (docs/operating.md
 * "Check it with collection-sync doctor"); exit 1 when any check failed. With COLLECTOR_APP_URL (or --app) it
 * checks a collector host: the app, the collector's token for it, and the AdminService.
 */
export async function doctorCommand(args: readonly string[], io: CliIo, env: Record<string, string | undefined>, dataDir?: string): Promise<number> {
  const { values } = parse(args, { app: { type: "string" }, json: { type: "boolean" } });
  const appUrl = optionalString(values, "app");
  const hostEnv = appUrl === undefined ? env : { ...env, COLLECTOR_APP_URL: appUrl };
  const diagnosis =
    loadSettings(hostEnv).COLLECTOR_APP_URL === undefined ? await diagnoseApp(hostEnv, io, dataDir) : await diagnoseCollectorHost(hostEnv, dataDir);
  io.out(values.json === true ? JSON.stringify(diagnosis, null, 2) : diagnosisText(diagnosis));
  return diagnosis.ok ? 0 : 1;
}

async function diagnoseApp(env: Record<string, string | undefined>, io: CliIo, dataDir: string | undefined): Promise<Diagnosis> {
  const runtime = await openLocalRuntime({ env, io, ...(dataDir === undefined ? {} : { dataDir }) });
  try {
    return await runtime.services.diagnose();
  } finally {
    await runtime.close();
  }
}

async function diagnoseCollectorHost(env: Record<string, string | undefined>, dataDir: string | undefined): Promise<Diagnosis> {
  // No retries: a diagnosis reports an outage at once instead of waiting it out.
  const collector = await buildCollector({ env, appClient: { retries: 0 }, ...(dataDir === undefined ? {} : { dataDir }) });
  return diagnoseCollector({
    appUrl: collector.settings.COLLECTOR_APP_URL ?? "",
    app: collector.app,
    appAuth: collector.appAuth,
    adminService: { baseUrl: collector.settings.ADMINSERVICE_URL ?? "", auth: collector.adminServiceAuth },
  });
}
