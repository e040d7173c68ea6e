import { ApiError, call } from "../api.js";
import { ProblemView } from "../components/problem.js";
import { MODE_SENTENCES } from "../format.js";
import type { Mapping, Mode } from "../types.js";
import { html, useState, type VNode } from "../vendor/htm-preact.js";

interface Draft {
  mode: Mode;
  includeHybridJoined: boolean;
  enabled: boolean;
  removalThresholdPercent: string;
  removalThresholdCount: string;
}

const draftOf = (m: Mapping): Draft => ({
  mode: m.mode,
  includeHybridJoined: m.includeHybridJoined,
  enabled: m.enabled,
  removalThresholdPercent: m.removalThresholdPercent === null ? "" : String(m.removalThresholdPercent),
  removalThresholdCount: m.removalThresholdCount === null ? "" : String(m.removalThresholdCount),
});

const numberOrNull = (text: string): number | null => (text.trim() === "" ? null : Number(text));

/**
 * The mapping's settings. Saving sends the ETag the page was loaded with: if someone changed the mapping in
 * between, the API answers 412 and the form offers to reload instead of overwriting their change.
 */
export function MappingSettings(props: { mapping: Mapping; etag: string | null; path: string; canWrite: boolean; onSaved: () => void; onReload: () => void }): VNode {
  const [draft, setDraft] = useState<Draft>(draftOf(props.mapping));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft({ ...draft, [key]: value });
  };
  const readOnly = !props.canWrite;

  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call("PATCH", props.path, {
        ifMatch: props.etag,
        body: {
          mode: draft.mode,
          includeHybridJoined: draft.includeHybridJoined,
          enabled: draft.enabled,
          removalThresholdPercent: numberOrNull(draft.removalThresholdPercent),
          removalThresholdCount: numberOrNull(draft.removalThresholdCount),
        },
      });
      props.onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const stale = error instanceof ApiError && error.status === 412;
  return html`<form class="settings" onSubmit=${save} aria-labelledby="settings-title">
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
      ${props.mapping.memberType === "device"
        ? html`<div class="check"><input type="checkbox" id="hybrid" checked=${draft.includeHybridJoined} onChange=${(e: Event) => set("includeHybridJoined", (e.target as HTMLInputElement).checked)} />
            <label for="hybrid">Include hybrid-joined devices</label></div>`
        : null}
      <div class="check"><input type="checkbox" id="enabled" checked=${draft.enabled} onChange=${(e: Event) => set("enabled", (e.target as HTMLInputElement).checked)} />
        <label for="enabled">Enabled (synced on the schedule)</label></div>
      <div class="field"><label for="threshold-percent">Removal threshold (% of the group)</label>
        <input id="threshold-percent" type="number" min="0" max="100" placeholder="app default" value=${draft.removalThresholdPercent} onInput=${(e: Event) => set("removalThresholdPercent", (e.target as HTMLInputElement).value)} /></div>
      <div class="field"><label for="threshold-count">Removal threshold (members)</label>
        <input id="threshold-count" type="number" min="0" placeholder="app default" value=${draft.removalThresholdCount} onInput=${(e: Event) => set("removalThresholdCount", (e.target as HTMLInputElement).value)} /></div>
    </fieldset>
    ${props.canWrite ? html`<div class="actions"><button type="submit" disabled=${busy}>Save settings</button></div>` : null}
    ${error
      ? html`<${ProblemView} error=${error}>
          ${stale ? html`<p>Someone changed this mapping after you opened it. Reload to see their change, then make yours again.</p>
            <button type="button" onClick=${() => { setError(null); props.onReload(); }}>Reload</button>` : null}
        </${ProblemView}>`
      : null}
  </form>`;
}

