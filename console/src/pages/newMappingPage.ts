import { call, get, mappingPath } from "../api.js";
import { Combobox, type Found, type Option } from "../components/combobox.js";
import { ProblemView } from "../components/problem.js";
import { MODE_SENTENCES } from "../format.js";
import { go, mappingHref } from "../router.js";
import type { GroupSearchItem, GroupSearchView, Mode, PreviewView } from "../types.js";
import { html, useState, type VNode } from "../vendor/htm-preact.js";
import { PreviewPanel } from "./previewPanel.js";

interface CollectionHit {
  readonly id: string;
  readonly name: string;
  readonly type: "device" | "user";
  readonly memberCount: number;
}

const COLLECTION_LIMIT = 25;

/** Why a group cannot be picked for this collection: not eligible, or already filled from it (a 409 otherwise). */
function groupBlocker(group: GroupSearchItem, collectionId: string | undefined): string | null {
  if (!group.eligible) return group.message ?? group.reason ?? "cannot be a target";
  const mappedFrom = group.mappedFrom ?? [];
  if (collectionId !== undefined && mappedFrom.some((m) => m.collectionId === collectionId))
    return "already mapped from this collection; open that mapping instead";
  return null;
}

function groupDetail(group: GroupSearchItem): string {
  const mappedFrom = group.mappedFrom ?? [];
  if (mappedFrom.length === 0) return group.id;
  return `${group.id} · already filled from ${mappedFrom.map((m) => m.collectionName ?? m.collectionId).join(", ")}`;
}

/** Choose a collection and a group by name (never by typing an id), a mode, look at the preview, create. */
export function NewMappingPage(): VNode {
  const [collection, setCollection] = useState<(Option & { type: "device" | "user" }) | null>(null);
  const [group, setGroup] = useState<Option | null>(null);
  const [mode, setMode] = useState<Mode>("additive");
  const [hybrid, setHybrid] = useState(false);
  const [preview, setPreview] = useState<PreviewView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const memberType = collection?.type ?? "device";

  const searchCollections = async (text: string): Promise<Found & { options: (Option & { type: "device" | "user" })[] }> => {
    const answer = await get<{ items: CollectionHit[] }>(`/collections?${new URLSearchParams({ search: text, limit: String(COLLECTION_LIMIT) })}`);
    return {
      options: answer.items.map((c) => ({
        id: c.id,
        label: c.name,
        detail: `${c.id} · ${c.type} collection · ${c.memberCount.toLocaleString()} members`,
        type: c.type,
      })),
      more: answer.items.length >= COLLECTION_LIMIT ? `Showing the first ${COLLECTION_LIMIT}; type more of the name to narrow the list.` : null,
    };
  };

  const searchGroups = async (text: string): Promise<Found> => {
    const answer = await get<GroupSearchView>(`/groups?${new URLSearchParams({ search: text, memberType })}`);
    return {
      options: answer.items.map((g) => ({ id: g.id, label: g.displayName, detail: groupDetail(g), disabledReason: groupBlocker(g, collection?.id) })),
      more: answer.truncated ? `More groups match than the ${answer.items.length} shown; type more of the name.` : null,
    };
  };

  const body = () => ({
    collectionId: collection?.id,
    groupId: group?.id,
    mode,
    ...(memberType === "device" ? { includeHybridJoined: hybrid } : {}),
  });

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const showPreview = () =>
    run(async () => {
      setPreview((await call<PreviewView>("POST", "/mappings/preview", { body: body() })).body);
    });

  const create = () =>
    run(async () => {
      const created = await call<{ collectionId: string; groupId: string; enabled: boolean }>("POST", "/mappings", { body: body() });
      const { collectionId, groupId, enabled } = created.body;
      // A first sync right away, so the admin sees the result instead of waiting for the schedule.
      if (enabled) await call("POST", `${mappingPath(collectionId, groupId)}/sync`);
      go(mappingHref(collectionId, groupId));
    });

  const ready = collection !== null && group !== null;
  return html`<section>
    <p class="crumbs"><a href="#/">Mappings</a> ›</p>
    <h1>New mapping</h1>
    <form class="new-mapping" onSubmit=${(e: Event) => {
      e.preventDefault();
      void create();
    }}>
      <${Combobox} id="collection" label="Collection" hint="Type part of a ConfigMgr collection's name, or its id."
        search=${searchCollections} selected=${collection}
        onSelect=${(option: (Option & { type: "device" | "user" }) | null) => {
          setCollection(option);
          setPreview(null);
        }} />
      <${Combobox} id="group" label="Group" hint=${`Type the start of an Entra group's name. Groups that cannot take ${memberType}s from this app, or that this collection already fills, are shown greyed out, with the reason.`}
        search=${searchGroups} selected=${group} onSelect=${(option: Option | null) => {
          setGroup(option);
          setPreview(null);
        }} />
      <fieldset>
        <legend>Mode</legend>
        ${(["additive", "managed", "mirror"] as const).map(
          (m) => html`<div class="radio">
            <input type="radio" id=${`new-mode-${m}`} name="new-mode" value=${m} checked=${mode === m} onChange=${() => {
              setMode(m);
              setPreview(null);
            }} aria-describedby=${`new-mode-${m}-text`} />
            <label for=${`new-mode-${m}`}>${m}</label>
            <p class="hint" id=${`new-mode-${m}-text`}>${MODE_SENTENCES[m]}</p>
          </div>`,
        )}
      </fieldset>
      ${
        memberType === "device"
          ? html`<div class="check"><input type="checkbox" id="new-hybrid" checked=${hybrid} onChange=${(e: Event) => {
              setHybrid((e.target as HTMLInputElement).checked);
              setPreview(null);
            }} />
            <label for="new-hybrid">Include hybrid-joined devices</label></div>`
          : null
      }
      <div class="actions">
        <button type="button" disabled=${!ready || busy} onClick=${showPreview}>Preview</button>
        <button type="submit" class="primary" disabled=${!ready || busy}>Create mapping</button>
      </div>
      ${!ready ? html`<p class="hint">Choose a collection and a group first.</p>` : null}
    </form>
    ${error ? html`<${ProblemView} error=${error} />` : null}
    ${preview ? html`<${PreviewPanel} preview=${preview} title="Preview of the first sync" id="new-preview-title" />` : null}
  </section>`;
}
