import { call, get } from "../api.js";
import { ConfirmDialog } from "../components/dialog.js";
import { ProblemView } from "../components/problem.js";
import { when } from "../format.js";
import { runHref } from "../router.js";
import type { BlockedChangeView, MappingView } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";
import { MemberTable } from "./memberTable.js";
import { members } from "./previewPanel.js";

/**
 * A change a safety guard holds back: the guard, and every held-back removal by name, with Approve (for those who
 * may write). Approving lets exactly this change through once; the page then asks for a sync so it happens now.
 */
export function BlockedPanel(props: { mapping: MappingView; canWrite: boolean; onApproved: (view: BlockedChangeView) => void }): VNode | null {
  const { mapping } = props;
  const blocked = mapping.state.blocked;
  const path = `/mappings/${encodeURIComponent(mapping.collectionId)}/${encodeURIComponent(mapping.groupId)}`;
  const [view, setView] = useState<BlockedChangeView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (blocked === null) return;
    let live = true;
    get<BlockedChangeView>(`${path}/blocked`).then(
      (answer) => live && (setView(answer), setError(null)),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [path, blocked?.at, blocked?.runId]);

  if (blocked === null) return null;
  const group = mapping.groupName ?? "the group";
  const approval = mapping.state.approval;

  const approve = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await call<BlockedChangeView>("POST", `${path}/approve`);
      setConfirming(false);
      props.onApproved(answer.body);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="blocked" aria-labelledby="blocked-title">
    <h2 id="blocked-title">Removals held back: ${blocked.guardLabel ?? blocked.guard}</h2>
    <p>${blocked.message}</p>
    <p><strong>${members(blocked.removeCount)} would leave ${group}</strong> if this change is approved. Held back since ${when(blocked.at)}${
      blocked.runId ? html` (<a href=${runHref(mapping.collectionId, mapping.groupId, blocked.runId)}>the blocked run</a>)` : null
    }.</p>
    ${approval ? html`<p role="status">Approved by ${approval.by} at ${when(approval.at)}: the next sync removes them.</p>` : null}
    ${error ? html`<${ProblemView} error=${error} />` : null}
    ${view === null && error === null ? html`<p aria-live="polite">Reading the held-back removals…</p>` : null}
    ${
      view !== null
        ? html`<${MemberTable} members=${view.members} label="Held-back removals" />
        ${view.total > view.members.length ? html`<p class="muted">The first ${view.members.length.toLocaleString()} of ${view.total.toLocaleString()} are listed.</p>` : null}
        ${
          props.canWrite && approval === null
            ? html`<div class="actions"><button type="button" class="primary" onClick=${() => setConfirming(true)}>Approve</button></div>`
            : null
        }`
        : null
    }
    ${
      confirming && view !== null
        ? html`<${ConfirmDialog} title=${`Remove ${members(view.total)} from ${group}?`} confirmLabel=${`Approve ${view.total} removal${view.total === 1 ? "" : "s"}`}
          busy=${busy} onConfirm=${approve} onCancel=${() => setConfirming(false)}>
          <p>${view.message}</p>
          <${MemberTable} members=${view.members} label="Removals to approve" />
          ${view.total > view.members.length ? html`<p class="muted">The first ${view.members.length.toLocaleString()} of ${view.total.toLocaleString()} are listed.</p>` : null}
          <p>Approving lets exactly this change through once. If the next sync would remove anyone else, it is held back again.</p>
        </${ConfirmDialog}>`
        : null
    }
  </section>`;
}
