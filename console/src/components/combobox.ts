import { html, useEffect, useRef, useState, type VNode } from "../vendor/htm-preact.js";
import { ProblemView } from "./problem.js";

export interface Option {
  readonly id: string;
  readonly label: string;
  readonly detail: string;
  /** Shown greyed out with this reason, and cannot be chosen. */
  readonly disabledReason?: string | null;
}

/** What a search found; `more` says, in words, that there are more matches than shown. */
export interface Found {
  readonly options: Option[];
  readonly more?: string | null;
}

/**
 * A search-as-you-type combobox (WAI-ARIA combobox with a listbox popup): type to search, arrows to move,
 * Enter to choose, Escape to close. Options that cannot be chosen stay visible, greyed out, with the reason.
 */
export function Combobox(props: {
  id: string;
  label: string;
  hint: string;
  search: (text: string) => Promise<Found>;
  selected: Option | null;
  onSelect: (option: Option | null) => void;
}): VNode {
  const [text, setText] = useState(props.selected?.label ?? "");
  const [options, setOptions] = useState<Option[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [status, setStatus] = useState("");
  const [more, setMore] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);
  const list = useRef<HTMLUListElement | null>(null);
  const listId = `${props.id}-list`;

  // The highlighted option stays in view as the arrows move through a list longer than its box.
  useEffect(() => {
    if (active < 0) return;
    list.current?.querySelector(`#${CSS.escape(`${listId}-${active}`)}`)?.scrollIntoView({ block: "nearest" });
  }, [active, open]);

  useEffect(() => {
    const query = text.trim();
    if (query === "" || (props.selected !== null && props.selected.label === text)) {
      setOptions([]);
      setMore(null);
      setStatus("");
      return;
    }
    const ticket = ++latest.current;
    const timer = window.setTimeout(() => {
      setStatus("Searching…");
      props.search(query).then(
        ({ options: found, more: capped }) => {
          if (ticket !== latest.current) return;
          setError(null);
          setOptions(found);
          setMore(capped ?? null);
          setActive(found.findIndex((o) => !o.disabledReason));
          setOpen(true);
          setStatus(found.length === 0 ? "Nothing found." : `${found.length} found.${capped ? ` ${capped}` : ""}`);
        },
        (failure: unknown) => {
          if (ticket !== latest.current) return;
          setError(failure);
          setOptions([]);
          setStatus("");
        },
      );
    }, 250);
    return () => window.clearTimeout(timer);
  }, [text]);

  const choose = (option: Option | undefined) => {
    if (option === undefined || option.disabledReason) return;
    props.onSelect(option);
    setText(option.label);
    setOpen(false);
    setStatus(`${option.label} chosen.`);
  };

  const move = (step: number) => {
    if (options.length === 0) return;
    setOpen(true);
    setActive((current) => (current + step + options.length) % options.length);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "ArrowDown") move(1);
    else if (event.key === "ArrowUp") move(-1);
    else if (event.key === "Enter" && open) choose(options[active]);
    else if (event.key === "Escape") setOpen(false);
    else return;
    event.preventDefault();
  };

  const expanded = open && options.length > 0;
  return html`<div class="combobox">
    <label for=${props.id}>${props.label}</label>
    <p class="hint" id=${`${props.id}-hint`}>${props.hint}</p>
    <input
      id=${props.id}
      type="text"
      role="combobox"
      autocomplete="off"
      aria-autocomplete="list"
      aria-expanded=${expanded ? "true" : "false"}
      aria-controls=${listId}
      aria-describedby=${`${props.id}-hint`}
      aria-activedescendant=${expanded && active >= 0 ? `${listId}-${active}` : undefined}
      value=${text}
      onInput=${(event: Event) => {
        setText((event.target as HTMLInputElement).value);
        if (props.selected !== null) props.onSelect(null);
      }}
      onKeyDown=${onKeyDown}
    />
    <ul id=${listId} ref=${list} role="listbox" aria-label=${`${props.label} results`} class=${expanded ? "listbox" : "listbox hidden"}>
      ${options.map(
        (option, index) => html`<li
          id=${`${listId}-${index}`}
          role="option"
          aria-selected=${index === active ? "true" : "false"}
          aria-disabled=${option.disabledReason ? "true" : undefined}
          class=${[index === active ? "active" : "", option.disabledReason ? "disabled" : ""].join(" ")}
          onMouseDown=${(event: MouseEvent) => event.preventDefault()}
          onClick=${() => choose(option)}
        >
          <span class="option-label">${option.label}</span>
          <span class="option-detail">${option.detail}</span>
          ${option.disabledReason ? html`<span class="option-reason">Not eligible: ${option.disabledReason}</span>` : null}
        </li>`,
      )}
    </ul>
    ${expanded && more ? html`<p class="combobox-more">${more}</p>` : null}
    <p class="visually-hidden" aria-live="polite">${status}</p>
    ${error ? html`<${ProblemView} error=${error} />` : null}
  </div>`;
}
