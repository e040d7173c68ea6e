import { call, get, mappingPath } from "../api.js";
import { Badge, StatusBadge } from "../components/badges.js";
import { ConfirmDialog } from "../components/dialog.js";
import { ObjectId } from "../components/objectId.js";
import { ProblemView } from "../components/problem.js";
import { ago, count, runChanges, runSentence, when } from "../format.js";
import { useLive, useNow } from "../live.js";
import { auditHref, go, mappingHref, runHref, setQuery } from "../router.js";
import type { BlockedChangeView, MappingView, Me, PreviewView, RunSummaryView } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";
import { BlockedPanel } from "./blockedPanel.js";
import { MappingSettings } from "./mappingSettings.js";
import { members, PreviewPanel, previewSentence } from "./previewPanel.js";
import { HISTORY_PAGE_SIZES, RunHistory } from "./runHistory.js";

function RunFact({ collectionId, groupId, run, now }: { collectionId: string; groupId: string; run: RunSummaryView | null; now: number }): VNode {
  if (run === null) return html`<span class="muted">none yet</span>`;
  const changes = runChanges(run);
  return html`<${Badge} code=${run.status} text=${run.statusLabel} /> <a href=${runHref(collectionId, groupId, run.runId)}>${when(run.startedAt)}</a>
    ${" "}<span class="muted">(${ago(run.startedAt, now)})</span>${changes === "" ? "" : ` ${changes}`}`;
}

/**
 * One mapping, kept up to date while the page is visible: its state, the held-back removals with Approve,
 * Sync now, Preview, settings, Delete, and its run history.
 */
export function MappingPage({ me, collectionId, groupId, query }: { me: Me; collectionId: string; groupId: string; query: URLSearchParams }): VNode {
  const path = mappingPath(collectionId, groupId);
  const live = useLive<MappingView>(path);
  const now = useNow();
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [preview, setPreview] = useState<PreviewView | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  /** The last run before "Sync now": the first run after it is the one to report. */
  const [awaiting, setAwaiting] = useState<{ before: string | null } | null>(null);
  const m = live.data;
  const lastRun = m?.state.lastRun ?? null;
  // The settings form edits the mapping as it was when editing began: a change someone else makes meanwhile
  // reaches a form being edited only through Reload (their change is never silently mixed into a draft, and
  // saving over it is a 412).
  const [form, setForm] = useState<{ mapping: MappingView; version: number } | null>(null);
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    // An untouched form follows the mapping; one being edited waits for Save or Reload.
    if (m !== null && (form === null || (!dirty && form.mapping.etag !== m.etag))) setForm({ mapping: m, version: (form?.version ?? 0) + 1 });
  }, [m, dirty]);
  const reopenForm = (mapping: MappingView) => {
    setDirty(false);
    setForm({ mapping, version: (form?.version ?? 0) + 1 });
  };

  useEffect(() => {
    if (awaiting === null || lastRun === null || lastRun.runId === awaiting.before) return;
    setAwaiting(null);
    setNotice(`Synced: ${lastRun.statusLabel}. ${runSentence({ ...lastRun, blockedByLabel: m?.state.blocked?.guardLabel ?? null })}`);
  }, [awaiting, lastRun?.runId]);

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

  const syncNow = () =>
    act(async () => {
      setAwaiting({ before: lastRun?.runId ?? null });
      await call("POST", `${path}/sync`);
      setNotice("Sync queued; this page shows the run when it has finished…");
      live.refresh();
    });

  const runPreview = () =>
    act(async () => {
      setPreview(null);
      setNotice("Preview: reading the collection and the group…");
      setPreview(await get<PreviewView>(`${path}/preview`));
      setNotice("");
    });

  const onApproved = (view: BlockedChangeView) =>
    act(async () => {
      setNotice(`Approved by ${view.approval?.by ?? me.name}: ${members(view.total)} leave the group on the next sync. Syncing now…`);
      setAwaiting({ before: lastRun?.runId ?? null });
      await call("POST", `${path}/sync`);
      live.refresh();
    });

  const remove = () =>
    act(async () => {
      await call("DELETE", path, { ifMatch: m?.etag ?? null });
      setDeleting(false);
      go("#/");
    });

  if (live.error && m === null)
    return html`<section><h1>Mapping</h1><${ProblemView} error=${live.error} /><p><a href="#/">Back to the mappings</a></p></section>`;
  if (m === null) return html`<section><h1>Mapping</h1><p aria-live="polite">Loading…</p></section>`;
  const s = m.state;
  const hideUnchanged = query.get("hideUnchanged") === "1";
  const asked = Number(query.get("runs"));
  const historySize = (HISTORY_PAGE_SIZES as readonly number[]).includes(asked) ? asked : 50;

  return html`<section>
    <p class="crumbs"><a href="#/">Mappings</a> ›</p>
    <h1>${m.collectionName ?? m.collectionId} → ${m.groupName ?? m.groupId}</h1>
    <dl class="facts">
      <dt>Status</dt><dd><${StatusBadge} status=${s.status} label=${s.statusLabel} />${s.syncing ? html` <span class="badge badge-info">syncing</span>` : null}
        ${s.consecutiveFailures > 0 ? html` <span class="muted">${s.consecutiveFailures} failed run(s) in a row</span>` : null}</dd>
      <dt>Collection</dt><dd>${m.collectionName ?? ""} <span class="mono">${m.collectionId}</span> · ${m.memberType} collection · ${count(s.collectionSize)} members</dd>
      <dt>Group</dt><dd>${m.groupName ?? ""} <${ObjectId} id=${m.groupId} label="group id" /> · ${count(s.groupSize)} members</dd>
      <dt>Mode</dt><dd>${m.mode}${m.enabled ? "" : " (disabled: not synced on the schedule)"}</dd>
      <dt>Last run</dt><dd><${RunFact} collectionId=${m.collectionId} groupId=${m.groupId} run=${s.lastRun} now=${now} /></dd>
      <dt>Last change</dt><dd><${RunFact} collectionId=${m.collectionId} groupId=${m.groupId} run=${s.lastChange} now=${now} /></dd>
      <dt>Changed</dt><dd>${when(m.updatedAt)} by ${m.updatedBy} · <a href=${auditHref({ collectionId: m.collectionId, groupId: m.groupId })}>audit trail</a></dd>
    </dl>
    ${live.error ? html`<${ProblemView} error=${live.error}><p>Showing what was last read; the page keeps trying.</p></${ProblemView}>` : null}
    <${BlockedPanel} mapping=${m} canWrite=${me.canWrite} onApproved=${onApproved} />
    <div class="actions">
      ${me.canWrite ? html`<button type="button" class="primary" disabled=${busy || !m.enabled} onClick=${syncNow}>Sync now</button>` : null}
      <button type="button" disabled=${busy} onClick=${runPreview}>Preview</button>
      ${me.canWrite ? html`<button type="button" class="danger" disabled=${busy} onClick=${() => setDeleting(true)}>Delete</button>` : null}
    </div>
    <p aria-live="polite" class="notice">${notice}</p>
    ${actionError ? html`<${ProblemView} error=${actionError} />` : null}
    ${preview ? html`<${PreviewPanel} preview=${preview} title="Preview" id="preview-title" />` : null}
    ${
      form !== null
        ? html`<${MappingSettings} key=${form.version} mapping=${form.mapping} etag=${form.mapping.etag} path=${path} canWrite=${me.canWrite} onEdit=${() => setDirty(true)}
          onSaved=${(saved: MappingView, consequence: PreviewView | null) => {
            setNotice(consequence === null ? "Settings saved." : `Settings saved. ${previewSentence(consequence)}`);
            reopenForm(saved);
            live.refresh();
          }}
          onReload=${() => act(async () => reopenForm(await get<MappingView>(path)))} />`
        : null
    }
    <${RunHistory} collectionId=${m.collectionId} groupId=${m.groupId} path=${path} latestRunId=${lastRun?.runId ?? null}
      hideUnchanged=${hideUnchanged} pageSize=${historySize}
      onView=${(view: { hideUnchanged: boolean; pageSize: number }) =>
        setQuery(mappingHref(m.collectionId, m.groupId), {
          hideUnchanged: view.hideUnchanged ? "1" : "",
          runs: view.pageSize === 50 ? "" : String(view.pageSize),
        })} />
    ${
      deleting
        ? html`<${ConfirmDialog} title="Delete this mapping?" confirmLabel="Delete mapping" busy=${busy} onConfirm=${remove} onCancel=${() => setDeleting(false)}>
          <p>The mapping, its state and its run history are deleted. <strong>The group and its members stay as they are</strong>: nobody is removed from ${m.groupName ?? "the group"}.</p>
        </${ConfirmDialog}>`
        : null
    }
  </section>`;
}
