import { call, get, mappingPath } from "../api.js";
import { Badge } from "../components/badges.js";
import { ConfirmDialog } from "../components/dialog.js";
import { ProblemView } from "../components/problem.js";
import { RunChart } from "../components/runChart.js";
import { when } from "../format.js";
import { go, runHref } from "../router.js";
import { skippedTotal, type Mapping, type Me, type Member, type Page, type Run } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";
import { MappingSettings } from "./mappingSettings.js";
import { MemberTable } from "./memberTable.js";

interface Preview {
  readonly message: string;
  readonly blockedBy: string | null;
  readonly preview: { toAddCount: number; toRemoveCount: number; skippedCount: number; members: Member[]; truncated: boolean };
}

type Dialog = { kind: "delete" } | { kind: "approve"; preview: Preview } | null;

const POLL_MS = 1500;
const POLL_FOR_MS = 90_000;

/** One mapping: settings, Sync now, Preview, Approve, Delete, and its run history. */
export function MappingPage({ me, collectionId, groupId }: { me: Me; collectionId: string; groupId: string }): VNode {
  const path = mappingPath(collectionId, groupId);
  const [mapping, setMapping] = useState<{ body: Mapping; etag: string | null } | null>(null);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busy, setBusy] = useState(false);
  const [reloads, setReloads] = useState(0);

  const load = async () => {
    const [answer, history] = await Promise.all([call<Mapping>("GET", path), get<Page<Run>>(`${path}/runs?pageSize=20`)]);
    setMapping({ body: answer.body, etag: answer.etag });
    setRuns(history.items);
    return history.items;
  };

  useEffect(() => {
    setError(null);
    load().catch(setError);
  }, [path, reloads]);

  // A new mapping's first sync (or one running now) shows up by itself: the page looks again for a while.
  const [watched, setWatched] = useState(0);
  useEffect(() => {
    if (mapping === null || runs === null || busy || watched * POLL_MS > POLL_FOR_MS) return;
    if (runs.length > 0 && !mapping.body.state.syncing) return;
    const timer = window.setTimeout(() => {
      setWatched(watched + 1);
      load().catch(setError);
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [mapping, runs, busy]);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setActionError(null);
    try {
      await what();
    } catch (failure) {
      setActionError(failure);
    } finally {
      setBusy(false);
    }
  };

  /** Sync now: queue, then watch the history until the new run shows up. */
  const syncNow = () =>
    act(async () => {
      const before = runs?.[0]?.runId ?? null;
      await call("POST", `${path}/sync`);
      setNotice("Sync queued…");
      const until = Date.now() + POLL_FOR_MS;
      while (Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const latest = (await load())[0];
        if (latest !== undefined && latest.runId !== before) {
          setNotice(`Synced: ${latest.status}. ${latest.message}`);
          return;
        }
      }
      setNotice("The sync is queued but has not finished yet; the history updates when it has.");
    });

  const runPreview = () =>
    act(async () => {
      setPreview(null);
      setNotice("Preview: reading the collection and the group…");
      const answer = await get<Preview>(`${path}/preview`);
      setPreview(answer);
      setNotice("");
    });

  const startApprove = () =>
    act(async () => {
      setNotice("Reading the blocked change…");
      const answer = await get<Preview>(`${path}/preview`);
      setNotice("");
      setDialog({ kind: "approve", preview: answer });
    });

  const approve = () =>
    act(async () => {
      await call("POST", `${path}/approve`);
      setDialog(null);
      setNotice("Approved. The next sync applies the removals; syncing now…");
      setBusy(false);
      await syncNow();
    });

  const remove = () =>
    act(async () => {
      await call("DELETE", path, { ifMatch: mapping?.etag ?? null });
      setDialog(null);
      go("#/");
    });

  if (error) return html`<section><h1>Mapping</h1><${ProblemView} error=${error} /><p><a href="#/">Back to the mappings</a></p></section>`;
  if (mapping === null || runs === null) return html`<section><h1>Mapping</h1><p aria-live="polite">Loading…</p></section>`;
  const m = mapping.body;
  const blocked = m.state.blocked;
  const removals = dialog?.kind === "approve" ? dialog.preview.preview.members.filter((x) => x.outcome === "removed") : [];

  return html`<section>
    <p class="crumbs"><a href="#/">Mappings</a> ›</p>
    <h1>${m.collectionName ?? m.collectionId} → ${m.groupName ?? m.groupId}</h1>
    <dl class="facts">
      <dt>Collection</dt><dd>${m.collectionName ?? ""} <span class="mono">${m.collectionId}</span> (${m.memberType}s)</dd>
      <dt>Group</dt><dd>${m.groupName ?? ""} <span class="mono">${m.groupId}</span></dd>
      <dt>Health</dt><dd><${Badge} text=${m.state.health} />${m.state.syncing ? html` <span class="badge badge-info">syncing</span>` : null}</dd>
      <dt>Last run</dt><dd>${m.state.lastRunStatus ? html`<${Badge} text=${m.state.lastRunStatus} /> ${when(m.state.lastRunAt)}` : "never"}</dd>
    </dl>
    ${blocked
      ? html`<div class="blocked" role="status"><strong>Removals blocked (${blocked.guard}).</strong> ${blocked.message} ${blocked.removeCount} member(s) would be removed.</div>`
      : null}
    <div class="actions">
      ${me.canWrite ? html`<button type="button" class="primary" disabled=${busy || !m.enabled} onClick=${syncNow}>Sync now</button>` : null}
      <button type="button" disabled=${busy} onClick=${runPreview}>Preview</button>
      ${me.canWrite && blocked ? html`<button type="button" disabled=${busy} onClick=${startApprove}>Approve</button>` : null}
      ${me.canWrite ? html`<button type="button" class="danger" disabled=${busy} onClick=${() => setDialog({ kind: "delete" })}>Delete</button>` : null}
    </div>
    <p aria-live="polite" class="notice">${notice}</p>
    ${actionError ? html`<${ProblemView} error=${actionError} />` : null}
    ${preview
      ? html`<section aria-labelledby="preview-title" class="panel">
          <h2 id="preview-title">Preview</h2>
          <p>${preview.message}</p>
          <p>Would add <strong>${preview.preview.toAddCount}</strong>, remove <strong>${preview.blockedBy ? 0 : preview.preview.toRemoveCount}</strong>${preview.blockedBy ? ` (${preview.preview.toRemoveCount} blocked by ${preview.blockedBy})` : ""}, skip <strong>${preview.preview.skippedCount}</strong>. Nothing has been written.</p>
          ${preview.preview.truncated ? html`<p class="muted">The list shows the first members only.</p>` : null}
          <${MemberTable} members=${preview.preview.members} label="Preview members" />
        </section>`
      : null}
    <${MappingSettings} key=${mapping.etag} mapping=${m} etag=${mapping.etag} path=${path} canWrite=${me.canWrite}
      onSaved=${() => {
        setNotice("Settings saved.");
        load().catch(setError);
      }} onReload=${() => setReloads(reloads + 1)} />
    <section aria-labelledby="history-title">
      <h2 id="history-title">Run history</h2>
      ${runs.length === 0
        ? html`<p>No runs yet.</p>`
        : html`<${RunChart} runs=${runs} />
          <div class="table-wrap"><table aria-label="Run history">
            <thead><tr><th scope="col">Run</th><th scope="col">Trigger</th><th scope="col">Added</th><th scope="col">Removed</th><th scope="col">Skipped</th><th scope="col">Failed</th><th scope="col">Duration</th></tr></thead>
            <tbody>${runs.map((run) => html`<tr>
              <td><a href=${runHref(m.collectionId, m.groupId, run.runId)}>${run.status} — ${when(run.startedAt)}</a></td>
              <td>${run.trigger}</td><td>${run.counts.added}</td><td>${run.counts.removed}</td><td>${skippedTotal(run.counts)}</td><td>${run.counts.failed}</td>
              <td>${(run.durationMs / 1000).toFixed(1)} s</td>
            </tr>`)}</tbody>
          </table></div>`}
    </section>
    ${dialog?.kind === "delete"
      ? html`<${ConfirmDialog} title="Delete this mapping?" confirmLabel="Delete mapping" busy=${busy} onConfirm=${remove} onCancel=${() => setDialog(null)}>
          <p>The mapping, its state and its run history are deleted. <strong>The group and its members stay as they are</strong>: nobody is removed from ${m.groupName ?? "the group"}.</p>
        </${ConfirmDialog}>`
      : null}
    ${dialog?.kind === "approve"
      ? html`<${ConfirmDialog} title=${`Approve removing ${removals.length} member(s)?`} confirmLabel=${`Approve ${removals.length} removal(s)`} busy=${busy} onConfirm=${approve} onCancel=${() => setDialog(null)}>
          <p>${dialog.preview.message}</p>
          <p>Approving lets exactly this change through once; these members leave ${m.groupName ?? "the group"} on the next sync:</p>
          <${MemberTable} members=${removals} label="Removals to approve" />
        </${ConfirmDialog}>`
      : null}
  </section>`;
}
