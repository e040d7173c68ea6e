import { call, get, mappingPath } from "../api.js";
import { Combobox, type Option } from "../components/combobox.js";
import { ProblemView } from "../components/problem.js";
import { MODE_SENTENCES } from "../format.js";
import { go, mappingHref } from "../router.js";
import type { Member, Mode } from "../types.js";
import { html, useState, type VNode } from "../vendor/htm-preact.js";
import { MemberTable } from "./memberTable.js";

interface CollectionHit {
  readonly id: string;
  readonly name: string;
  readonly type: "device" | "user";
  readonly memberCount: number;
}

interface GroupHit {
  readonly id: string;
  readonly displayName: string;
  readonly eligible: boolean;
  readonly reason?: string;
  readonly message?: string;
}

interface Preview {
  readonly message: string;
  readonly blockedBy: string | null;
  readonly preview: { toAddCount: number; toRemoveCount: number; skippedCount: number; members: Member[] };
}

/** Choose a collection and a group by name (never by typing an id), a mode, look at the preview, create. */
export function NewMappingPage(): VNode {
  const [collection, setCollection] = useState<(Option & { type: "device" | "user" }) | null>(null);
  const [group, setGroup] = useState<Option | null>(null);
  const [mode, setMode] = useState<Mode>("additive");
  const [hybrid, setHybrid] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const memberType = collection?.type ?? "device";

  const searchCollections = async (text: string): Promise<(Option & { type: "device" | "user" })[]> => {
    const answer = await get<{ items: CollectionHit[] }>(`/collections?${new URLSearchParams({ search: text })}`);
    return answer.items.map((c) => ({ id: c.id, label: c.name, detail: `${c.id} · ${c.type} collection · ${c.memberCount} members`, type: c.type }));
  };

  const searchGroups = async (text: string): Promise<Option[]> => {
    const answer = await get<{ items: GroupHit[] }>(`/groups?${new URLSearchParams({ search: text, memberType })}`);
    return answer.items.map((g) => ({ id: g.id, label: g.displayName, detail: g.id, disabledReason: g.eligible ? null : (g.message ?? g.reason ?? "cannot be a target") }));
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
      setPreview((await call<Preview>("POST", "/mappings/preview", { body: body() })).body);
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
    <form class="new-mapping" onSubmit=${(e: Event) => { e.preventDefault(); void create(); }}>
      <${Combobox} id="collection" label="Collection" hint="Type the start of a ConfigMgr collection's name, or its id."
        search=${searchCollections} selected=${collection}
        onSelect=${(option: (Option & { type: "device" | "user" }) | null) => { setCollection(option); setPreview(null); }} />
      <${Combobox} id="group" label="Group" hint=${`Type the start of an Entra group's name. Groups that cannot take ${memberType}s from this app are shown greyed out, with the reason.`}
        search=${searchGroups} selected=${group} onSelect=${(option: Option | null) => { setGroup(option); setPreview(null); }} />
      <fieldset>
        <legend>Mode</legend>
        ${(["additive", "managed", "mirror"] as const).map(
          (m) => html`<div class="radio">
            <input type="radio" id=${`new-mode-${m}`} name="new-mode" value=${m} checked=${mode === m} onChange=${() => { setMode(m); setPreview(null); }} aria-describedby=${`new-mode-${m}-text`} />
            <label for=${`new-mode-${m}`}>${m}</label>
            <p class="hint" id=${`new-mode-${m}-text`}>${MODE_SENTENCES[m]}</p>
          </div>`,
        )}
      </fieldset>
      ${memberType === "device"
        ? html`<div class="check"><input type="checkbox" id="new-hybrid" checked=${hybrid} onChange=${(e: Event) => { setHybrid((e.target as HTMLInputElement).checked); setPreview(null); }} />
            <label for="new-hybrid">Include hybrid-joined devices</label></div>`
        : null}
      <div class="actions">
        <button type="button" disabled=${!ready || busy} onClick=${showPreview}>Preview</button>
        <button type="submit" class="primary" disabled=${!ready || busy}>Create mapping</button>
      </div>
      ${!ready ? html`<p class="hint">Choose a collection and a group first.</p>` : null}
    </form>
    ${error ? html`<${ProblemView} error=${error} />` : null}
    ${preview
      ? html`<section class="panel" aria-labelledby="new-preview-title">
          <h2 id="new-preview-title">Preview of the first sync</h2>
          <p>${preview.message}</p>
          <p>Would add <strong>${preview.preview.toAddCount}</strong>, remove <strong>${preview.preview.toRemoveCount}</strong>, skip <strong>${preview.preview.skippedCount}</strong>. Nothing has been written.</p>
          <${MemberTable} members=${preview.preview.members} label="Preview members" />
        </section>`
      : null}
  </section>`;
}
