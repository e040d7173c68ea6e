import { get } from "../api.js";
import { Badge } from "../components/badges.js";
import { ProblemView } from "../components/problem.js";
import { RunChart } from "../components/runChart.js";
import { ScrollTable } from "../components/scrollTable.js";
import { when } from "../format.js";
import { runHref } from "../router.js";
import { countsOf, skippedTotal, type Page, type RunView } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";

export const HISTORY_PAGE_SIZES = [20, 50, 100, 200] as const;

/**
 * The mapping's whole run history, newest first, paged with the API's tokens back to the retention limit;
 * "Hide unchanged runs" leaves out the ticks that changed nothing. `latestRunId` changing (a new run showed up
 * in the live mapping) reloads the first page.
 */
export function RunHistory(props: {
  collectionId: string;
  groupId: string;
  path: string;
  latestRunId: string | null;
  hideUnchanged: boolean;
  pageSize: number;
  onView: (view: { hideUnchanged: boolean; pageSize: number }) => void;
}): VNode {
  const [tokens, setTokens] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page<RunView> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const token = tokens[tokens.length - 1] ?? null;

  useEffect(() => setTokens([null]), [props.hideUnchanged, props.pageSize]);

  useEffect(() => {
    let live = true;
    const query = new URLSearchParams({ pageSize: String(props.pageSize) });
    if (props.hideUnchanged) query.set("hideUnchanged", "true");
    if (token !== null) query.set("continuationToken", token);
    get<Page<RunView>>(`${props.path}/runs?${query}`).then(
      (answer) => live && (setPage(answer), setError(null)),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [props.path, props.hideUnchanged, props.pageSize, token, token === null ? props.latestRunId : null]);

  const runs = page?.items ?? [];
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title">Run history</h2>
    <div class="toolbar">
      <div class="check"><input type="checkbox" id="hide-unchanged" checked=${props.hideUnchanged}
        onChange=${(e: Event) => props.onView({ hideUnchanged: (e.target as HTMLInputElement).checked, pageSize: props.pageSize })} />
        <label for="hide-unchanged">Hide runs that changed nothing</label></div>
      <label for="history-size">Runs per page</label>
      <select id="history-size" onChange=${(e: Event) => props.onView({ hideUnchanged: props.hideUnchanged, pageSize: Number((e.target as HTMLSelectElement).value) })}>
        ${HISTORY_PAGE_SIZES.map((size) => html`<option value=${size} selected=${size === props.pageSize}>${size}</option>`)}
      </select>
    </div>
    ${error ? html`<${ProblemView} error=${error} />` : null}
    ${page === null && !error ? html`<p aria-live="polite">Loading the run history…</p>` : null}
    ${page !== null && runs.length === 0 ? html`<p>${props.hideUnchanged && tokens.length === 1 ? "No run on this page changed anything." : "No runs yet."}</p>` : null}
    ${
      runs.length > 0
        ? html`<${RunChart} runs=${runs} />
        <${ScrollTable} label="Run history"><table aria-label="Run history">
          <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Trigger</th><th scope="col" class="num">Added</th><th scope="col" class="num">Removed</th>
            <th scope="col" class="num">Skipped</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Duration</th></tr></thead>
          <tbody>${runs.map((run) => {
            const counts = countsOf(run.counts);
            return html`<tr>
              <td data-label="Run"><a href=${runHref(props.collectionId, props.groupId, run.runId)}>${when(run.startedAt)}</a></td>
              <td data-label="Status"><${Badge} code=${run.status} text=${run.statusLabel ?? run.status} />${run.approvedBy ? html`<div class="muted">approved by ${run.approvedBy}</div>` : null}</td>
              <td data-label="Trigger">${run.triggerLabel ?? run.trigger}</td>
              <td data-label="Added" class="num">${counts.added}</td><td data-label="Removed" class="num">${counts.removed}</td>
              <td data-label="Skipped" class="num">${skippedTotal(counts)}</td><td data-label="Failed" class="num">${counts.failed}</td>
              <td data-label="Duration" class="num">${(run.durationMs / 1000).toFixed(1)} s</td>
            </tr>`;
          })}</tbody>
        </table></${ScrollTable}>`
        : null
    }
    ${
      page !== null && (tokens.length > 1 || page.continuationToken !== null)
        ? html`<nav class="pager" aria-label="Pages of the run history">
          <button type="button" disabled=${tokens.length <= 1} onClick=${() => setTokens(tokens.slice(0, -1))}>Newer runs</button>
          <span>Page ${tokens.length}</span>
          <button type="button" disabled=${page.continuationToken === null} onClick=${() => setTokens([...tokens, page.continuationToken])}>Older runs</button>
        </nav>`
        : null
    }
  </section>`;
}
