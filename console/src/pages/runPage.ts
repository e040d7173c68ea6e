import { get, mappingPath } from "../api.js";
import { Badge } from "../components/badges.js";
import { ProblemView } from "../components/problem.js";
import { reasonText, when } from "../format.js";
import { mappingHref } from "../router.js";
import type { Member, Run } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";
import { MemberTable } from "./memberTable.js";

interface MemberPage {
  readonly items: Member[];
  readonly total: number;
  readonly alreadyPresent: number;
  readonly reported: boolean;
  readonly truncated: number;
}

const PAGE_SIZE = 100;
const OUTCOMES = ["added", "removed", "skipped", "failed"] as const;

/** One run, member by member: searchable, filterable by outcome, downloadable as CSV. */
export function RunPage({ collectionId, groupId, runId }: { collectionId: string; groupId: string; runId: string }): VNode {
  const base = `${mappingPath(collectionId, groupId)}/runs/${encodeURIComponent(runId)}`;
  const [run, setRun] = useState<Run | null>(null);
  const [members, setMembers] = useState<MemberPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState("");
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);

  useEffect(() => {
    get<Run>(base).then(setRun, setError);
  }, [base]);

  useEffect(() => {
    const query = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    if (outcome !== "") query.set("outcome", outcome);
    if (search.trim() !== "") query.set("search", search.trim());
    let live = true;
    const timer = window.setTimeout(() => {
      get<MemberPage>(`${base}/members?${query}`).then((answer) => live && setMembers(answer), (failure: unknown) => live && setError(failure));
    }, 200);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [base, outcome, search, page]);

  if (error) return html`<section><h1>Run</h1><${ProblemView} error=${error} /><p><a href=${mappingHref(collectionId, groupId)}>Back to the mapping</a></p></section>`;
  if (run === null) return html`<section><h1>Run</h1><p aria-live="polite">Loading…</p></section>`;
  const csv = `/api${base}/members?${new URLSearchParams({ format: "csv", ...(outcome === "" ? {} : { outcome }) })}`;
  const skippedByReason = Object.entries(run.counts.skipped).filter(([, n]) => n > 0);
  const pages = members === null ? 1 : Math.max(1, Math.ceil(members.total / PAGE_SIZE));

  return html`<section>
    <p class="crumbs"><a href="#/">Mappings</a> › <a href=${mappingHref(collectionId, groupId)}>Mapping</a> ›</p>
    <h1>Run of ${when(run.startedAt)}</h1>
    <p><${Badge} text=${run.status} /> ${run.message}</p>
    <dl class="facts">
      <dt>Trigger</dt><dd>${run.trigger}</dd>
      <dt>Added</dt><dd>${run.counts.added}</dd>
      <dt>Removed</dt><dd>${run.counts.removed}</dd>
      <dt>Skipped</dt><dd>${skippedByReason.length === 0 ? "0" : skippedByReason.map(([reason, n]) => `${n} ${reasonText(reason)}`).join(", ")}</dd>
      <dt>Failed</dt><dd>${run.counts.failed}</dd>
      <dt>Already present</dt><dd>${run.counts.alreadyPresent} (counted, not listed)</dd>
    </dl>
    <div class="toolbar">
      <label for="member-search">Search members</label>
      <input id="member-search" type="search" placeholder="name, id, reason or error" value=${search} onInput=${(e: Event) => { setSearch((e.target as HTMLInputElement).value); setPage(1); }} />
      <label for="member-outcome">Outcome</label>
      <select id="member-outcome" value=${outcome} onChange=${(e: Event) => { setOutcome((e.target as HTMLSelectElement).value); setPage(1); }}>
        <option value="">all</option>
        ${OUTCOMES.map((o) => html`<option value=${o}>${o}</option>`)}
      </select>
      <a class="button" href=${csv} download>Download CSV</a>
    </div>
    ${members === null
      ? html`<p aria-live="polite">Loading members…</p>`
      : html`<p aria-live="polite">${members.reported ? `${members.total} member(s)` : "This run was recorded without a per-member report."}${members.truncated > 0 ? ` ${members.truncated} more did not fit the report.` : ""}</p>
        <${MemberTable} members=${members.items} label="Members" />
        ${pages > 1
          ? html`<nav class="pager" aria-label="Pages of members">
              <button type="button" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous page</button>
              <span>Page ${page} of ${pages}</span>
              <button type="button" disabled=${page >= pages} onClick=${() => setPage(page + 1)}>Next page</button>
            </nav>`
          : null}`}
  </section>`;
}
