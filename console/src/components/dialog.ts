import { html, useEffect, useRef, type VNode } from "../vendor/htm-preact.js";

/**
 * A modal confirmation on the native <dialog>: focus moves into it, Escape cancels, the page behind is inert.
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
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
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
      <button type="button" onClick=${props.onCancel}>Cancel</button>
    </div>
  </dialog>`;
}
