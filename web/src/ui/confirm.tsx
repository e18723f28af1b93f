// A destructive action asks first, in a modal <dialog> (showModal: focus moves into it and stays,
// Escape cancels, the page behind is inert), so keyboard and screen-reader users get it for free.
import type { ReactNode } from 'react';
import { useId, useRef, useState } from 'react';

export function ConfirmButton(props: {
  /** The button's text ("Delete"). */
  label: string;
  /** The accessible name when several such buttons share a page ("Delete bot Alpha"). */
  accessibleLabel?: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  danger?: boolean;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await props.onConfirm();
    } catch {
      // The page shows what failed (its onConfirm keeps the error in its state); nothing escapes.
    } finally {
      setBusy(false);
      dialog.current?.close();
    }
  };
  return (
    <>
      <button
        type="button"
        className={props.danger === true ? 'button-danger' : 'button-secondary'}
        aria-label={props.accessibleLabel}
        disabled={props.disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} className="dialog">
        <h2 id={titleId}>{props.title}</h2>
        <div className="dialog-body">{props.children}</div>
        <div className="actions">
          <button type="button" className="button-secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            className={props.danger === true ? 'button-danger' : 'button-primary'}
            onClick={() => void confirm()}
            disabled={busy}
          >
            {props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
