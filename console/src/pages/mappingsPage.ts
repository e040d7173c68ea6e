import { get, mappingPath } from "../api.js";
import { Badge } from "../components/badges.js";
import { ProblemView } from "../components/problem.js";
import { ago, when } from "../format.js";
import { go, mappingHref } from "../router.js";
import { skippedTotal, type Mapping, type Me, type Page, type Run } from "../types.js";
import { html, useEffect, useState, type VNode } from "../vendor/htm-preact.js";

const PAGE_SIZE = 20;

interface Row {
  readonly mapping: Mapping;
  readonly lastRun: Run | null;
}

/** Every mapping with its health and last run; filter box over the loaded page, paging with the API's tokens. */
export function MappingsPage({ me }: { me: Me }): VNode {
  const [tokens, setTokens] = useState<(string | null)[]>([null]);
  const [rows, setRows] = useState<Row[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [filter, setFilter] = useState("");
  const token = tokens[tokens.length - 1] ?? null;

  useEffect(() => {
    let live = true;
    setRows(null);
    const query = new URLSearchParams({ pageSize: String(PAGE_SIZE) });
    if (token !== null) query.set("continuationToken", token);
    get<Page<Mapping>>(`/mappings?${query}`)
      .then(async (page) => {
        const withRuns = await Promise.all(
          page.items.map(async (mapping) => {
            const runs = await get<Page<Run>>(`${mappingPath(mapping.collectionId, mapping.groupId)}/runs?pageSize=1`);
            return { mapping, lastRun: runs.items[0] ?? null };
          }),
        );
        if (!live) return;
        setRows(withRuns);
        setNext(page.continuationToken);
        setError(null);
      })
      .catch((failure: unknown) => live && setError(failure));
    return () => {
      live = false;
    };
  }, [token]);

  const needle = filter.trim().toLowerCase();
  const shown = (rows ?? []).filter(({ mapping: m }) =>
    needle === "" || [m.collectionId, m.collectionName, m.groupName, m.groupId, m.mode].some((v) => v !== null && v.toLowerCase().includes(needle)),
  );

  return html`<section>
    <div class="page-head">
      <h1>Mappings</h1>
      ${me.canWrite ? html`<button type="button" class="primary" onClick=${() => go("#/new")}>New mapping</button>` : null}
    </div>
    <div class="toolbar">
      <label for="filter">Filter</label>
      <input id="filter" type="search" placeholder="collection, group or mode" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
    </div>
    ${error ? html`<${ProblemView} error=${error} />` : null}
    ${rows === null && !error ? html`<p aria-live="polite">Loading mappings…</p>` : null}
    ${rows !== null
      ? html`<div class="table-wrap"><table aria-label="Mappings">
          <thead><tr>
            <th scope="col">Collection</th><th scope="col">Group</th><th scope="col">Members</th><th scope="col">Mode</th>
            <th scope="col">Health</th><th scope="col">Last run</th><th scope="col">Added</th><th scope="col">Removed</th>
            <th scope="col">Skipped</th><th scope="col">Failed</th>
          </tr></thead>
          <tbody>
            ${shown.map(({ mapping: m, lastRun }) => html`<tr>
              <td><a href=${mappingHref(m.collectionId, m.groupId)}>${m.collectionName ?? m.collectionId}</a><div class="muted mono">${m.collectionId}</div></td>
              <td>${m.groupName ?? m.groupId}</td>
              <td>${m.memberType}</td>
              <td>${m.mode}${m.enabled ? null : html` <span class="badge badge-warn">disabled</span>`}</td>
              <td><${Badge} text=${m.state.health} />${m.state.blocked ? html` <span class="badge badge-warn">blocked: ${m.state.blocked.guard}</span>` : null}</td>
              <td>${m.state.syncing ? html`<span class="badge badge-info">syncing</span> ` : null}${lastRun
                ? html`<${Badge} text=${lastRun.status} /> <span title=${when(lastRun.startedAt)}>${ago(lastRun.startedAt)}</span>`
                : html`<span class="muted">no runs yet</span>`}</td>
              <td>${lastRun?.counts.added ?? ""}</td>
              <td>${lastRun?.counts.removed ?? ""}</td>
              <td>${lastRun ? skippedTotal(lastRun.counts) : ""}</td>
              <td>${lastRun?.counts.failed ?? ""}</td>
            </tr>`)}
          </tbody>
        </table></div>
        ${shown.length === 0 ? html`<p>${needle === "" ? "No mappings yet." : "No mapping on this page matches the filter."}</p>` : null}`
      : null}
    <nav class="pager" aria-label="Pages of mappings">
      <button type="button" disabled=${tokens.length <= 1} onClick=${() => setTokens(tokens.slice(0, -1))}>Previous page</button>
      <span>Page ${tokens.length}</span>
      <button type="button" disabled=${next === null} onClick=${() => setTokens([...tokens, next])}>Next page</button>
    </nav>
  </section>`;
}
