// A modal dialog on the browser's own <dialog>: focus is kept inside, Escape closes it, and the
// page behind cannot be clicked. Shown while mounted.
import { type ReactNode, useEffect, useRef } from 'react';

export function Dialog({ title, onClose, children, className }: { title: string; onClose(): void; children: ReactNode; className?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    // showModal focuses the first focusable element (the close button); a person wants the first field.
    const first = dialog.querySelector<HTMLElement>('[data-autofocus], input:not([type=hidden]), select, textarea');
    first?.focus();
    const cancel = (e: Event) => {
      e.preventDefault();
      closeRef.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
    };
  }, []);
  const headingId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <dialog ref={ref} aria-labelledby={headingId} className={className ? `dialog ${className}` : 'dialog'}>
      <div className="dialog-head">
        <h2 id={headingId}>{title}</h2>
        <button type="button" className="quiet" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      {children}
    </dialog>
  );
}
