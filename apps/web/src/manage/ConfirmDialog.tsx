import { useEffect, useRef } from 'react';

/** A modal question; Escape and the backdrop cancel, and the safe choice has the focus. */
export function ConfirmDialog({
  title,
  body,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the backdrop's click is a cancel, the keys are on the dialog
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is handled by the dialog
    <div className="overlay" onClick={onCancel}>
      <div
        className="confirm-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onCancel();
        }}
      >
        <h2 id="confirm-title">{title}</h2>
        <p>{body}</p>
        <div className="row-actions end">
          <button ref={cancelRef} type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger primary" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
