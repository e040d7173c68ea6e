import { html, type VNode } from "../vendor/htm-preact.js";

/** Which page numbers to offer: the first, the last, and two either side of the current one. */
export function pageNumbers(current: number, pages: number): (number | "gap")[] {
  const shown: (number | "gap")[] = [];
  for (let n = 1; n <= pages; n++) {
    if (n === 1 || n === pages || Math.abs(n - current) <= 2) shown.push(n);
    else if (shown[shown.length - 1] !== "gap") shown.push("gap");
  }
  return shown;
}

/** Page links with the total: "1 2 3 … 16", Previous / Next, and "41–60 of 302". */
export function Pager(props: { label: string; page: number; pageSize: number; total: number; noun: string; href: (page: number) => string }): VNode {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  const first = props.total === 0 ? 0 : (props.page - 1) * props.pageSize + 1;
  const last = Math.min(props.total, props.page * props.pageSize);
  return html`<nav class="pager" aria-label=${props.label}>
    <span class="pager-total">${props.total === 0 ? `No ${props.noun}` : `${first}–${last} of ${props.total} ${props.noun}`}</span>
    ${
      pages > 1
        ? html`${props.page > 1 ? html`<a class="button" href=${props.href(props.page - 1)} rel="prev">Previous</a>` : null}
        <ul class="pages">${pageNumbers(props.page, pages).map((n) =>
          n === "gap"
            ? html`<li aria-hidden="true">…</li>`
            : html`<li><a class="button" href=${props.href(n)} aria-label=${`Page ${n}`} aria-current=${n === props.page ? "page" : undefined}>${n}</a></li>`,
        )}</ul>
        ${props.page < pages ? html`<a class="button" href=${props.href(props.page + 1)} rel="next">Next</a>` : null}`
        : null
    }
  </nav>`;
}
