// Asked when a stage move makes the promised date unrealistic: the new date and the reason the
// customer will read. The move and the date change are saved together or not at all.
import { type FormEvent, useState } from 'react';
import type { RepairOrderSummary } from '../../src-shared/domain.js';
import { STAGE_LABELS, type Stage } from '../../src-shared/stages.js';
import { Dialog } from '../shared/Dialog.js';
import { formatDay, today } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';

export function PromiseDialog({
  ro,
  stage,
  suggested,
  onCancel,
  onSave,
}: {
  ro: RepairOrderSummary;
  stage: Stage;
  suggested: string;
  onCancel(): void;
  onSave(date: string, reason: string): Promise<string | null>;
}) {
  const [date, setDate] = useState(suggested);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!date) return setProblem('Choose the new promised date.');
    if (date < today()) return setProblem('The new promised date cannot be in the past.');
    if (reason.trim().length < 3) return setProblem('Write the reason the customer will read, for example "Waiting for the rear bumper from Honda".');
    setSaving(true);
    const failed = await onSave(date, reason.trim());
    setSaving(false);
    if (failed) setProblem(failed);
  }

  return (
    <Dialog title={`New promised date for RO ${ro.roNumber}`} onClose={onCancel}>
      <form onSubmit={(e) => void submit(e)} className="stack" noValidate>
        <p>
          Moving to <strong>{STAGE_LABELS[stage]}</strong> leaves too little time for the promised date,{' '}
          <strong>{formatDay(ro.promisedDate, true)}</strong>. Give {ro.customerName} a new date and the reason: the customer sees both on the
          portal, and the earlier date stays in the history.
        </p>
        <label className="field">
          <span>New promised date</span>
          <input type="date" required value={date} min={today()} onChange={(e) => setDate(e.target.value)} />
        </label>
        <label className="field">
          <span>Reason (the customer reads this)</span>
          <textarea required value={reason} maxLength={500} rows={3} onChange={(e) => setReason(e.target.value)} />
        </label>
        <FieldProblem text={problem} />
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Do not move
          </button>
          <button type="submit" className="primary" disabled={saving}>
            Move and change the date
          </button>
        </div>
      </form>
    </Dialog>
  );
}
