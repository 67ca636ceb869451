// Printing from a repair order: the work order and tag again, either alone, or the receipt.
import { useState } from 'react';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { PrintKind } from '../../src-shared/printing.js';
import { PrintDialog } from '../printing/PrintDialog.js';
import { useDesk } from '../shared/desk-context.js';

const CHOICES: Array<{ label: string; kinds: PrintKind[] }> = [
  { label: 'Work order and tag', kinds: ['work-order', 'tag'] },
  { label: 'Work order', kinds: ['work-order'] },
  { label: 'Dashboard tag', kinds: ['tag'] },
  { label: 'Receipt', kinds: ['receipt'] },
];

export function PrintSection({ ro }: { ro: RepairOrderDetail }) {
  const { api } = useDesk();
  const [printing, setPrinting] = useState<PrintKind[] | null>(null);
  return (
    <section className="panel" aria-labelledby="print-section-heading">
      <h3 id="print-section-heading">Print</h3>
      <div className="actions">
        {CHOICES.map((c) => (
          <button key={c.label} type="button" onClick={() => setPrinting(c.kinds)}>
            {c.label}
          </button>
        ))}
      </div>
      {printing ? <PrintDialog api={api} roId={ro.id} roNumber={ro.roNumber} kinds={printing} onClose={() => setPrinting(null)} /> : null}
    </section>
  );
}
