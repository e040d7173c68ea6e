import { MEMBER_OUTCOME_LABELS } from "../../../shared/core/labels.js";
import { call, get, mappingPath } from "../api.js";
import { Badge } from "../components/badges.js";
import { Pager } from "../components/pager.js";
import { ProblemView } from "../components/problem.js";
import { reasonText, runSentence, when } from "../format.js";
import { go, mappingHref, runHref, setQuery, withQuery } from "../router.js";
import { countsOf, type MappingView, type Me, type MemberView, type RunView } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";
import { BlockedPanel } from "./blockedPanel.js";
import { MemberTable } from "./memberTable.js";

interface MemberPage {
  readonly items: MemberView[];
  readonly total: number;
  readonly alreadyPresent: number;
  readonly reported: boolean;
  readonly truncated: number;
}

const PAGE_SIZE = 100;
const SEARCH_DELAY_MS = 300;

/**
 * One run, member by member: named after its mapping, searchable on the words shown, filterable by outcome
 * (search, outcome and page in the URL), downloadable as CSV with the same filter. A run that is the mapping's
 * current blocked change offers Approve.
 */
export function RunPage({
  me,
  collectionId,
  groupId,
  runId,
  query,
}: {
  me: Me;
  collectionId: string;
  groupId: string;
  runId: string;
  query: URLSearchParams;
}): VNode {
  const path = mappingPath(collectionId, groupId);
  const base = `${path}/runs/${encodeURIComponent(runId)}`;
  const here = runHref(collectionId, groupId, runId);
  const outcome = query.get("outcome") ?? "";
  const search = query.get("search") ?? "";
  const page = Math.max(1, Number(query.get("page") ?? "1") || 1);
  const [text, setText] = useState(search);
  const [run, setRun] = useState<RunView | null>(null);
  const [mapping, setMapping] = useState<MappingView | null>(null);
  const [members, setMembers] = useState<MemberPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const view = (changes: Record<string, string>) => ({ outcome, search, page: page === 1 ? "" : String(page), ...changes });

  useEffect(() => {
    get<RunView>(base).then(setRun, setError);
  }, [base]);

  // Only a blocked run can be approved, and only while it is still the mapping's blocked change.
  useEffect(() => {
    if (run?.status === "blocked") get<MappingView>(path).then(setMapping, () => setMapping(null));
  }, [run?.status]);

  useEffect(() => setText(search), [search]);
  useEffect(() => {
    if (text === search) return;
    const timer = window.setTimeout(() => setQuery(here, view({ search: text, page: "" }), true), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    const apiQuery = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    if (outcome !== "") apiQuery.set("outcome", outcome);
    if (search.trim() !== "") apiQuery.set("search", search.trim());
    let live = true;
    get<MemberPage>(`${base}/members?${apiQuery}`).then(
      (answer) => live && setMembers(answer),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [base, outcome, search, page]);

  if (error)
    return html`<section><h1>Run</h1><${ProblemView} error=${error} /><p><a href=${mappingHref(collectionId, groupId)}>Back to the mapping</a></p></section>`;
  if (run === null) return html`<section><h1>Run</h1><p aria-live="polite">Loading…</p></section>`;
  const csvQuery = new URLSearchParams({ format: "csv" });
  if (outcome !== "") csvQuery.set("outcome", outcome);
  if (search.trim() !== "") csvQuery.set("search", search.trim());
  const counts = countsOf(run.counts);
  const skippedByReason = Object.entries(counts.skipped).filter(([, n]) => n > 0);
  const named = run.mapping;
  const mappingName = named ? `${named.collectionName ?? named.collectionId} → ${named.groupName ?? named.groupId}` : "Mapping";
  const approvable = mapping !== null && mapping.state.blocked?.runId === run.runId;

  return html`<section>
    <p class="crumbs"><a href="#/">Mappings</a> › <a href=${mappingHref(collectionId, groupId)}>${mappingName}</a> ›</p>
    <h1>Run of ${when(run.startedAt)}</h1>
    <p class="subtitle">${mappingName}${named ? html` <span class="muted">(${named.mode}, ${named.memberType}s)</span>` : null}</p>
    <p><${Badge} code=${run.status} text=${run.statusLabel ?? run.status} /> ${runSentence(run)}${
      run.status === "blocked" ? (approvable ? " Approve them below." : " They can be approved on the mapping's page while this is its blocked change.") : ""
    }</p>
    <dl class="facts">
      <dt>Trigger</dt><dd>${run.triggerLabel ?? run.trigger}</dd>
      ${run.blockedBy ? html`<dt>Held back by</dt><dd>${run.blockedByLabel ?? run.blockedBy}</dd>` : null}
      ${run.approvedBy ? html`<dt>Approved by</dt><dd>${run.approvedBy}</dd>` : null}
      <dt>Added</dt><dd>${counts.added}</dd>
      <dt>Removed</dt><dd>${counts.removed}</dd>
      <dt>Skipped</dt><dd>${skippedByReason.length === 0 ? "0" : skippedByReason.map(([reason, n]) => `${n} ${reasonText(reason)}`).join(", ")}</dd>
      <dt>Failed</dt><dd>${counts.failed}</dd>
      <dt>Already present</dt><dd>${counts.alreadyPresent} (counted, not listed)</dd>
    </dl>
    ${
      approvable
        ? html`<${BlockedPanel} mapping=${mapping} canWrite=${me.canWrite} onApproved=${async () => {
            await call("POST", `${path}/sync`).catch(() => undefined);
            go(mappingHref(collectionId, groupId));
          }} />`
        : null
    }
    <form class="toolbar" role="search" aria-label="Members" onSubmit=${(e: Event) => {
      e.preventDefault();
      setQuery(here, view({ search: text, page: "" }));
    }}>
      <label for="member-search">Search members</label>
      <input id="member-search" type="search" placeholder="name, id, reason or error" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
      <label for="member-outcome">Outcome</label>
      <select id="member-outcome" onChange=${(e: Event) => setQuery(here, view({ outcome: (e.target as HTMLSelectElement).value, page: "" }))}>
        <option value="" selected=${outcome === ""}>all</option>
        ${Object.entries(MEMBER_OUTCOME_LABELS).map(([code, label]) => html`<option value=${code} selected=${outcome === code}>${label}</option>`)}
      </select>
      <a class="button" href=${`/api${base}/members?${csvQuery}`} download>Download CSV${outcome !== "" || search.trim() !== "" ? " (filtered)" : ""}</a>
    </form>
    ${
      members === null
        ? html`<p aria-live="polite">Loading members…</p>`
        : html`<p aria-live="polite">${members.reported ? `${members.total} member(s)` : "This run was recorded without a per-member report."}${members.truncated > 0 ? ` ${members.truncated} more did not fit the report.` : ""}</p>
        ${members.items.length > 0 ? html`<${MemberTable} members=${members.items} label="Members" />` : null}
        ${
          members.total > PAGE_SIZE
            ? html`<${Pager} label="Pages of members" page=${page} pageSize=${PAGE_SIZE} total=${members.total} noun="members" href=${(n: number) => withQuery(here, view({ page: n === 1 ? "" : String(n) }))} />`
            : null
        }`
    }
  </section>`;
}
