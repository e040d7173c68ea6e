import { ApiError, call, get } from "../api.js";
import { ProblemView } from "../components/problem.js";
import { MODE_SENTENCES } from "../format.js";
import type { MappingView, Mode, PreviewView } from "../types.js";
import { html, useState, type VNode } from "../vendor/htm-preact.js";
import { PreviewPanel } from "./previewPanel.js";

interface Draft {
  mode: Mode;
  includeHybridJoined: boolean;
  enabled: boolean;
  removalThresholdPercent: string;
  removalThresholdCount: string;
}

const draftOf = (m: MappingView): Draft => ({
  mode: m.mode,
  includeHybridJoined: m.includeHybridJoined,
  enabled: m.enabled,
  removalThresholdPercent: m.removalThresholdPercent === null ? "" : String(m.removalThresholdPercent),
  removalThresholdCount: m.removalThresholdCount === null ? "" : String(m.removalThresholdCount),
});

const numberOrNull = (text: string): number | null => (text.trim() === "" ? null : Number(text));

const REMOVES: Record<Mode, number> = { additive: 0, managed: 1, mirror: 2 };

/** A threshold set lower than before (or set where the app default applied) lets more removals through. */
const lowered = (before: number | null, after: string): boolean => {
  const next = numberOrNull(after);
  return next !== null && Number.isFinite(next) && (before === null || next < before);
};

/**
 * Whether saving could make the next sync remove members it would not remove today: a mode that removes more
 * (additive → managed → mirror), a lower threshold, or switching an idle mapping on.
 */
function mayRemoveMore(m: MappingView, draft: Draft): boolean {
  if (REMOVES[draft.mode] > REMOVES[m.mode]) return true;
  if (draft.mode === "additive") return false;
  return (
    lowered(m.removalThresholdPercent, draft.removalThresholdPercent) ||
    lowered(m.removalThresholdCount, draft.removalThresholdCount) ||
    (draft.enabled && !m.enabled)
  );
}

/** The preview query for the draft's settings (an empty threshold: the app default). */
function previewQuery(draft: Draft): string {
  return new URLSearchParams({
    mode: draft.mode,
    includeHybridJoined: String(draft.includeHybridJoined),
    removalThresholdPercent: draft.removalThresholdPercent.trim(),
    removalThresholdCount: draft.removalThresholdCount.trim(),
  }).toString();
}

/**
 * The mapping's settings. A change that could remove more members (managed or mirror, a lower threshold) first
 * shows, by name, what the next sync would remove with the new settings, and is saved only when confirmed.
 * Saving sends the ETag the page was loaded with: if someone changed the mapping in between, the API answers 412
 * and the form offers to reload instead of overwriting their change.
 */
export function MappingSettings(props: {
  mapping: MappingView;
  etag: string | null;
  path: string;
  canWrite: boolean;
  onEdit: () => void;
  onSaved: (saved: MappingView, preview: PreviewView | null) => void;
  onReload: () => void;
}): VNode {
  const [draft, setDraft] = useState<Draft>(draftOf(props.mapping));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [consequence, setConsequence] = useState<PreviewView | null>(null);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft({ ...draft, [key]: value });
    setConsequence(null);
    props.onEdit();
  };
  const readOnly = !props.canWrite;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (consequence !== null || !mayRemoveMore(props.mapping, draft)) {
      await save();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setConsequence(await get<PreviewView>(`${props.path}/preview?${previewQuery(draft)}`));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const saved = await call<MappingView>("PATCH", props.path, {
        ifMatch: props.etag,
        body: {
          mode: draft.mode,
          includeHybridJoined: draft.includeHybridJoined,
          enabled: draft.enabled,
          removalThresholdPercent: numberOrNull(draft.removalThresholdPercent),
          removalThresholdCount: numberOrNull(draft.removalThresholdCount),
        },
      });
      props.onSaved(saved.body, consequence);
      setConsequence(null);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const stale = error instanceof ApiError && error.status === 412;
  return html`<form class="settings" onSubmit=${submit} aria-labelledby="settings-title">
    <h2 id="settings-title">Settings</h2>
    <fieldset disabled=${readOnly}>
      <legend>Mode</legend>
      ${(["additive", "managed", "mirror"] as const).map(
        (mode) => html`<div class="radio">
          <input type="radio" id=${`mode-${mode}`} name="mode" value=${mode} checked=${draft.mode === mode} onChange=${() => set("mode", mode)} aria-describedby=${`mode-${mode}-text`} />
          <label for=${`mode-${mode}`}>${mode}</label>
          <p class="hint" id=${`mode-${mode}-text`}>${MODE_SENTENCES[mode]}</p>
        </div>`,
      )}
    </fieldset>
    <fieldset disabled=${readOnly}>
      <legend>Options</legend>
      ${
        props.mapping.memberType === "device"
          ? html`<div class="check"><input type="checkbox" id="hybrid" checked=${draft.includeHybridJoined} onChange=${(e: Event) => set("includeHybridJoined", (e.target as HTMLInputElement).checked)} />
            <label for="hybrid">Include hybrid-joined devices</label></div>`
          : null
      }
      <div class="check"><input type="checkbox" id="enabled" checked=${draft.enabled} onChange=${(e: Event) => set("enabled", (e.target as HTMLInputElement).checked)} />
        <label for="enabled">Enabled (synced on the schedule)</label></div>
      <div class="field"><label for="threshold-percent">Removal threshold (% of the group)</label>
        <input id="threshold-percent" type="number" min="0" max="100" placeholder="app default" value=${draft.removalThresholdPercent} onInput=${(e: Event) => set("removalThresholdPercent", (e.target as HTMLInputElement).value)} /></div>
      <div class="field"><label for="threshold-count">Removal threshold (members)</label>
        <input id="threshold-count" type="number" min="0" placeholder="app default" value=${draft.removalThresholdCount} onInput=${(e: Event) => set("removalThresholdCount", (e.target as HTMLInputElement).value)} /></div>
    </fieldset>
    ${
      consequence !== null
        ? html`<${PreviewPanel} preview=${consequence} id="settings-preview-title" title="Before you save: the next sync with these settings"
          label="Members the change affects" note="Nothing is saved yet.">
          <div class="actions">
            <button type="submit" class="primary" disabled=${busy}>Save with this effect</button>
            <button type="button" onClick=${() => setConsequence(null)}>Keep editing</button>
          </div>
        </${PreviewPanel}>`
        : props.canWrite
          ? html`<div class="actions"><button type="submit" disabled=${busy}>Save settings</button></div>`
          : null
    }
    ${
      error
        ? html`<${ProblemView} error=${error}>
          ${
            stale
              ? html`<p>Someone changed this mapping after you opened it. Reload to see their change, then make yours again.</p>
            <button type="button" onClick=${() => {
              setError(null);
              props.onReload();
            }}>Reload</button>`
              : null
          }
        </${ProblemView}>`
        : null
    }
  </form>`;
}
