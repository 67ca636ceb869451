// The last step of check-in: "Print work order and tag", through the printing dialog (the real
// PDFs previewed, paper and printer remembered per PC).
import { useState } from 'react';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { PrintDialog } from '../printing/PrintDialog.js';
import { useDesk } from '../shared/desk-context.js';

export function PrintSlot({ ro }: { ro: RepairOrderDetail }) {
  const { api } = useDesk();
  const [open, setOpen] = useState(false);
  return (
    <section className="panel print-slot" aria-labelledby="print-heading">
      <h3 id="print-heading">Print work order and tag</h3>
      <p className="muted">The work order carries the customer’s QR code; the tag hangs on the mirror with the bay camera’s QR.</p>
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        Print work order and tag…
      </button>
      {open ? <PrintDialog api={api} roId={ro.id} roNumber={ro.roNumber} kinds={['work-order', 'tag']} onClose={() => setOpen(false)} /> : null}
    </section>
  );
}
