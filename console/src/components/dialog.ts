import { html, useEffect, useRef, type VNode } from "../vendor/htm-preact.js";

/**
 * A modal confirmation on the native <dialog>: the page behind is inert, Escape cancels, and focus starts on
 * Cancel, so a stray Enter or Space never deletes or approves anything.
 */
export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: unknown;
}): VNode {
  const ref = useRef<HTMLDialogElement | null>(null);
  const cancel = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    cancel.current?.focus();
    return () => dialog?.close();
  }, []);
  return html`<dialog ref=${ref} aria-labelledby="dialog-title" onCancel=${(event: Event) => {
    event.preventDefault();
    props.onCancel();
  }}>
    <h2 id="dialog-title">${props.title}</h2>
    ${props.children}
    <div class="actions">
      <button type="button" class="danger" disabled=${props.busy} onClick=${props.onConfirm}>${props.confirmLabel}</button>
      <button type="button" ref=${cancel} onClick=${props.onCancel}>Cancel</button>
    </div>
  </dialog>`;
}
