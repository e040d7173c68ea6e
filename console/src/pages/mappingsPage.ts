import { MAPPING_STATUS_LABELS, MAPPING_STATUSES } from "../../../shared/core/labels.js";
import { Badge, StatusBadge } from "../components/badges.js";
import { ObjectId } from "../components/objectId.js";
import { Pager } from "../components/pager.js";
import { ProblemView } from "../components/problem.js";
import { ScrollTable } from "../components/scrollTable.js";
import { ago, count, runChanges, when } from "../format.js";
import { useLive, useNow } from "../live.js";
import { go, mappingHref, setQuery, withQuery } from "../router.js";
import type { MappingListView, MappingView, Me, RunSummaryView } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";

const PAGE_SIZE = 25;
const SEARCH_DELAY_MS = 300;

/** Columns the API sorts by, with the header that offers it. */
const COLUMNS = [
  { sort: "collection", title: "Collection" },
  { sort: "group", title: "Group" },
  { sort: "mode", title: "Mode" },
  { sort: "status", title: "Status" },
  { sort: "lastRun", title: "Last run" },
  { sort: "lastChange", title: "Last change" },
  { sort: "groupSize", title: "Group members" },
  { sort: "collectionSize", title: "Collection members" },
] as const;

interface View {
  readonly search: string;
  readonly status: string;
  readonly sort: string;
  readonly order: string;
  readonly page: number;
  readonly pageSize: number;
}

function viewOf(query: URLSearchParams): View {
  const page = Number(query.get("page") ?? "1");
  const pageSize = Number(query.get("pageSize") ?? String(PAGE_SIZE));
  return {
    search: query.get("search") ?? "",
    status: query.get("status") ?? "",
    sort: query.get("sort") ?? "",
    order: query.get("order") === "desc" ? "desc" : "",
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: Number.isInteger(pageSize) && pageSize > 0 && pageSize <= 200 ? pageSize : PAGE_SIZE,
  };
}

/** The view as the URL says it: defaults left out. */
function queryOf(view: View): Record<string, string> {
  return {
    search: view.search,
    status: view.status,
    sort: view.sort,
    order: view.order,
    page: view.page === 1 ? "" : String(view.page),
    pageSize: view.pageSize === PAGE_SIZE ? "" : String(view.pageSize),
  };
}

const href = (view: View) => withQuery("#/", queryOf(view));

/**
 * Every mapping, searched, filtered, sorted and counted by the API (one request per page, each row's last runs
 * inline). The view lives in the URL; the page asks again every few seconds while it is visible.
 */
export function MappingsPage({ me, query }: { me: Me; query: URLSearchParams }): VNode {
  const view = viewOf(query);
  const [text, setText] = useState(view.search);
  const now = useNow();

  // Back/forward or a followed link changed the search: the box shows it.
  useEffect(() => setText(view.search), [view.search]);
  useEffect(() => {
    if (text === view.search) return;
    const timer = window.setTimeout(() => setQuery("#/", queryOf({ ...view, search: text, page: 1 }), true), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  const apiQuery = new URLSearchParams({ page: String(view.page), pageSize: String(view.pageSize) });
  if (view.search.trim() !== "") apiQuery.set("search", view.search.trim());
  if (view.status !== "") apiQuery.set("status", view.status);
  if (view.sort !== "") apiQuery.set("sort", view.sort);
  if (view.order !== "") apiQuery.set("order", view.order);
  const list = useLive<MappingListView>(`/mappings?${apiQuery}`);
  const data = list.data;
  const filtered = view.search.trim() !== "" || view.status !== "";

  const sortHeader = (column: (typeof COLUMNS)[number]) => {
    const active = (view.sort || "collection") === column.sort;
    const descending = active && view.order === "desc";
    const next = { ...view, sort: column.sort === "collection" ? "" : column.sort, order: active && !descending ? "desc" : "", page: 1 };
    return html`<th scope="col" aria-sort=${active ? (descending ? "descending" : "ascending") : undefined}>
      <a class="sort" href=${href(next)}>${column.title}<span aria-hidden="true">${active ? (descending ? " ▼" : " ▲") : ""}</span></a></th>`;
  };

  const counts = data?.statusCounts;
  const statusOption = (value: string, label: string, n: number | undefined) =>
    html`<option value=${value} selected=${view.status === value}>${label}${n === undefined ? "" : ` (${n})`}</option>`;

  return html`<section>
    <div class="page-head">
      <h1>Mappings</h1>
      ${me.canWrite ? html`<button type="button" class="primary" onClick=${() => go("#/new")}>New mapping</button>` : null}
    </div>
    <form class="toolbar" role="search" aria-label="Mappings" onSubmit=${(e: Event) => {
      e.preventDefault();
      setQuery("#/", queryOf({ ...view, search: text, page: 1 }));
    }}>
      <label for="filter">Search</label>
      <input id="filter" type="search" placeholder="collection, group, id, mode or status" value=${text}
        onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
      <label for="status-filter">Status</label>
      <select id="status-filter" onChange=${(e: Event) => setQuery("#/", queryOf({ ...view, status: (e.target as HTMLSelectElement).value, page: 1 }))}>
        ${statusOption("", "All", counts?.all)}
        ${statusOption("needs-attention", "Needs attention", counts?.["needs-attention"])}
        ${MAPPING_STATUSES.map((status) => statusOption(status, MAPPING_STATUS_LABELS[status], counts?.[status]))}
      </select>
    </form>
    ${list.error ? html`<${ProblemView} error=${list.error} />` : null}
    ${data === null && !list.error ? html`<p aria-live="polite">Loading mappings…</p>` : null}
    ${
      data !== null
        ? html`<p class="result-count" aria-live="polite">${data.total} mapping${data.total === 1 ? "" : "s"}${filtered ? (data.total === 1 ? " matches." : " match.") : "."}</p>
        ${
          data.items.length > 0
            ? html`<${ScrollTable} label="Mappings"><table aria-label="Mappings" class="mappings">
              <thead><tr>${COLUMNS.map(sortHeader)}</tr></thead>
              <tbody>${data.items.map((m) => html`<${MappingRow} mapping=${m} now=${now} />`)}</tbody>
            </table></${ScrollTable}>`
            : html`<p>${filtered ? html`No mapping matches. <a href="#/">Show all mappings</a>.` : "No mappings yet."}</p>`
        }
        <${Pager} label="Pages of mappings" page=${data.page} pageSize=${data.pageSize} total=${data.total} noun="mappings"
          href=${(page: number) => href({ ...view, page })} />`
        : null
    }
  </section>`;
}

function RunCell({ run, now, empty }: { run: RunSummaryView | null; now: number; empty: string }): VNode {
  if (run === null) return html`<span class="muted">${empty}</span>`;
  const changes = runChanges(run);
  return html`<${Badge} code=${run.status} text=${run.statusLabel} /> <span title=${when(run.startedAt)}>${ago(run.startedAt, now)}</span>
    ${changes !== "" ? html`<div class="muted">${changes}</div>` : null}`;
}

function MappingRow({ mapping: m, now }: { mapping: MappingView; now: number }): VNode {
  const s = m.state;
  return html`<tr>
    <td data-label="Collection"><a href=${mappingHref(m.collectionId, m.groupId)}>${m.collectionName ?? m.collectionId}</a>
      <div class="muted mono">${m.collectionId}</div></td>
    <td data-label="Group">${m.groupName ?? ""}<div class="muted"><${ObjectId} id=${m.groupId} label="group id" /></div></td>
    <td data-label="Mode">${m.mode}<div class="muted">${m.memberType}s</div></td>
    <td data-label="Status"><${StatusBadge} status=${s.status} label=${s.statusLabel} />${s.syncing ? html` <span class="badge badge-info">syncing</span>` : null}
      ${s.blocked ? html`<div class="muted">${s.blocked.removeCount} removals held back</div>` : null}</td>
    <td data-label="Last run"><${RunCell} run=${s.lastRun} now=${now} empty="never" /></td>
    <td data-label="Last change"><${RunCell} run=${s.lastChange} now=${now} empty="none yet" /></td>
    <td data-label="Group members" class="num">${count(s.groupSize)}</td>
    <td data-label="Collection members" class="num">${count(s.collectionSize)}</td>
  </tr>`;
}
