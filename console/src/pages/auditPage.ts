import { AUDIT_ACTION_LABELS } from "../../../shared/core/labels.js";
import { get } from "../api.js";
import { ProblemView } from "../components/problem.js";
import { ScrollTable } from "../components/scrollTable.js";
import { ago, when } from "../format.js";
import { useNow } from "../live.js";
import { mappingHref, setQuery } from "../router.js";
import type { AuditEntryView, AuditPageView } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";

const PAGE_SIZE = 50;
const FILTERS = ["collectionId", "groupId", "actor", "action", "from", "to"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const filtersOf = (query: URLSearchParams): Filters => Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ""])) as Filters;

/** `datetime-local` holds local time without a zone; the API takes ISO 8601 instants. */
const isoOf = (local: string): string => (local === "" ? "" : new Date(local).toISOString());
const localOf = (iso: string): string => {
  const date = new Date(iso);
  if (iso === "" || Number.isNaN(date.getTime())) return "";
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** Who changed what: every audited change, newest first, filtered by mapping, actor, action and time, paged. */
export function AuditPage({ query }: { query: URLSearchParams }): VNode {
  const filters = filtersOf(query);
  const [draft, setDraft] = useState<Filters>(filters);
  const [tokens, setTokens] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<AuditPageView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow();
  const key = FILTERS.map((name) => filters[name]).join("\n");
  const token = tokens[tokens.length - 1] ?? null;

  useEffect(() => {
    setDraft(filters);
    setTokens([null]);
  }, [key]);

  useEffect(() => {
    let live = true;
    const apiQuery = new URLSearchParams({ pageSize: String(PAGE_SIZE) });
    for (const name of FILTERS) if (filters[name].trim() !== "") apiQuery.set(name, filters[name].trim());
    if (token !== null) apiQuery.set("continuationToken", token);
    setPage(null);
    get<AuditPageView>(`/audit?${apiQuery}`).then(
      (answer) => {
        if (!live) return;
        setPage(answer);
        setError(null);
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [key, token]);

  const set = (name: keyof Filters, value: string) => setDraft({ ...draft, [name]: value });
  const apply = (event: Event) => {
    event.preventDefault();
    setQuery("#/audit", draft);
  };
  const filtered = FILTERS.some((name) => filters[name] !== "");

  return html`<section>
    <h1>Audit</h1>
    <p class="muted">Every change made through the console, the API or the command line, with who made it. Kept as long as run history.</p>
    <form class="filters" aria-label="Audit filters" onSubmit=${apply}>
      <div class="field"><label for="audit-collection">Collection id</label>
        <input id="audit-collection" type="text" value=${draft.collectionId} placeholder="PS100012" onInput=${(e: Event) => set("collectionId", (e.target as HTMLInputElement).value)} /></div>
      <div class="field"><label for="audit-group">Group id</label>
        <input id="audit-group" type="text" value=${draft.groupId} onInput=${(e: Event) => set("groupId", (e.target as HTMLInputElement).value)} /></div>
      <div class="field"><label for="audit-actor">Actor</label>
        <input id="audit-actor" type="search" value=${draft.actor} placeholder="name contains" onInput=${(e: Event) => set("actor", (e.target as HTMLInputElement).value)} /></div>
      <div class="field"><label for="audit-action">Action</label>
        <select id="audit-action" onChange=${(e: Event) => set("action", (e.target as HTMLSelectElement).value)}>
          <option value="" selected=${draft.action === ""}>any</option>
          ${Object.entries(AUDIT_ACTION_LABELS).map(([code, label]) => html`<option value=${code} selected=${draft.action === code}>${label}</option>`)}
        </select></div>
      <div class="field"><label for="audit-from">From</label>
        <input id="audit-from" type="datetime-local" value=${localOf(draft.from)} onInput=${(e: Event) => set("from", isoOf((e.target as HTMLInputElement).value))} /></div>
      <div class="field"><label for="audit-to">Until</label>
        <input id="audit-to" type="datetime-local" value=${localOf(draft.to)} onInput=${(e: Event) => set("to", isoOf((e.target as HTMLInputElement).value))} /></div>
      <div class="actions"><button type="submit" class="primary">Apply filters</button>
        ${filtered ? html`<a class="button" href="#/audit">Clear</a>` : null}</div>
    </form>
    ${error ? html`<${ProblemView} error=${error} />` : null}
    ${page === null && !error ? html`<p aria-live="polite">Loading the audit trail…</p>` : null}
    ${
      page !== null
        ? html`${
            page.items.length === 0
              ? html`<p>${filtered ? "No change matches these filters." : "No changes recorded yet."}</p>`
              : html`<${ScrollTable} label="Audit trail"><table aria-label="Audit trail">
              <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Mapping</th><th scope="col">Change</th></tr></thead>
              <tbody>${page.items.map((entry) => html`<${AuditRow} entry=${entry} now=${now} />`)}</tbody>
            </table></${ScrollTable}>`
          }
        <nav class="pager" aria-label="Pages of the audit trail">
          <button type="button" disabled=${tokens.length <= 1} onClick=${() => setTokens(tokens.slice(0, -1))}>Newer</button>
          <span>Page ${tokens.length}</span>
          <button type="button" disabled=${page.continuationToken === null} onClick=${() => setTokens([...tokens, page.continuationToken])}>Older</button>
        </nav>`
        : null
    }
  </section>`;
}

/** A name the entry recorded (a created or deleted mapping's settings carry its collection's and group's names). */
function nameIn(entry: AuditEntryView, field: "collectionName" | "groupName"): string | null {
  const value = entry.after?.[field] ?? entry.before?.[field];
  return typeof value === "string" && value !== "" ? value : null;
}

function AuditRow({ entry, now }: { entry: AuditEntryView; now: number }): VNode {
  const details = entry.before !== null || entry.after !== null;
  return html`<tr>
    <td data-label="When"><span title=${entry.at}>${when(entry.at)}</span><div class="muted">${ago(entry.at, now)}</div></td>
    <td data-label="Action">${entry.actionLabel}</td>
    <td data-label="Actor">${entry.actor.name}<div class="muted">${entry.actor.kind}</div></td>
    <td data-label="Mapping">${
      entry.collectionId !== null && entry.groupId !== null
        ? html`<a href=${mappingHref(entry.collectionId, entry.groupId)}>${nameIn(entry, "collectionName") ?? entry.collectionId} → ${nameIn(entry, "groupName") ?? `${entry.groupId.slice(0, 8)}…`}</a>`
        : (entry.collectionId ?? "")
    }</td>
    <td data-label="Change">${entry.summary}${
      details
        ? html`<details><summary>Before and after</summary><dl class="facts">
          <dt>Before</dt><dd><pre>${entry.before === null ? "—" : JSON.stringify(entry.before, null, 2)}</pre></dd>
          <dt>After</dt><dd><pre>${entry.after === null ? "—" : JSON.stringify(entry.after, null, 2)}</pre></dd>
        </dl></details>`
        : null
    }</td>
  </tr>`;
}
