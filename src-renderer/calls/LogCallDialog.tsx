// "Log call": a call written down in one move. On a repair the call belongs to that repair; from
// search, the number typed is matched as it is typed to a customer and their open repair (or the
// call is logged unassigned). Direction, who, reason, outcome and a short note; Enter logs it.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import {
  CALL_PARTIES,
  CALL_REASONS,
  type CallDirection,
  type CallEntry,
  type CallerMatch,
  type CallParty,
  type CallReason,
  DIRECTION_LABELS,
  PARTY_LABELS,
  REASON_LABELS,
} from '../../src-shared/calls/words.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { formatPhone, messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';

export function LogCallDialog({ ro, number: typed, onClose, onLogged }: { ro?: RepairOrderDetail | null; number?: string; onClose(): void; onLogged?(call: CallEntry): void }) {
  const { api, announce } = useDesk();
  const [direction, setDirection] = useState<CallDirection>('in');
  const [party, setParty] = useState<CallParty>('customer');
  const [reason, setReason] = useState<CallReason>('status');
  const [outcome, setOutcome] = useState('');
  const [note, setNote] = useState('');
  const [minutes, setMinutes] = useState('');
  const [number, setNumber] = useState(typed ?? '');
  const [match, setMatch] = useState<CallerMatch | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const asked = useRef(0);

  useEffect(() => {
    if (ro) return;
    const n = ++asked.current;
    if (number.replace(/\D/g, '').length < 10) {
      setMatch(null);
      return;
    }
    api.call('call-match', { number }).then(
      (m) => n === asked.current && setMatch(m),
      () => n === asked.current && setMatch(null),
    );
  }, [api, ro, number]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    try {
      const logged = await api.call('call-log', {
        roId: ro?.id ?? null,
        number: ro ? null : number,
        direction,
        party,
        reason,
        outcome,
        note,
        durationMinutes: minutes.trim() === '' ? null : Number(minutes),
      });
      announce(logged.roNumber ? `Call logged on RO ${logged.roNumber}.` : 'Call logged, on no repair yet.');
      onLogged?.(logged);
      onClose();
    } catch (err) {
      setProblem(messageOf(err));
      setSaving(false);
    }
  }

  const where = ro
    ? `RO ${ro.roNumber} · ${ro.customerName}${ro.customer.mobile ? ` · ${formatPhone(ro.customer.mobile)}` : ''}`
    : match?.roId
      ? `${match.openRos[0]!.customerName} · RO ${match.openRos[0]!.roNumber} · ${match.openRos[0]!.vehicle}`
      : match && match.openRos.length > 1
        ? `${match.customers[0]?.name ?? 'This customer'} has ${match.openRos.length} open repairs: the call is logged on none; put it on one from the Calls screen.`
        : match?.customers.length
          ? `${match.customers[0]!.name} has no open repair: the call is logged unassigned.`
          : match
            ? 'No customer has this number: the call is logged unassigned.'
            : null;

  return (
    <Dialog title="Log call" onClose={onClose} className="log-call-dialog">
      <form onSubmit={(e) => void submit(e)} className="log-call">
        {ro ? null : (
          <label className="field">
            <span>Caller’s number</span>
            <input data-autofocus type="tel" inputMode="tel" autoComplete="off" value={number} onChange={(e) => setNumber(e.target.value)} placeholder="(512) 555-0147" />
          </label>
        )}
        {where ? (
          <p className={`call-where${match?.roId || ro ? ' matched' : ''}`} role="status">
            {where}
          </p>
        ) : null}
        <Choice<CallDirection> legend="Direction" name="direction" value={direction} options={(['in', 'out'] as const).map((v) => [v, DIRECTION_LABELS[v]] as const)} onChange={setDirection} autoFocus={!!ro} />
        <Choice<CallParty> legend="Who" name="party" value={party} options={CALL_PARTIES.map((v) => [v, PARTY_LABELS[v]] as const)} onChange={setParty} />
        <Choice<CallReason> legend="Reason" name="reason" value={reason} options={CALL_REASONS.map((v) => [v, REASON_LABELS[v]] as const)} onChange={setReason} />
        <div className="row call-fields">
          <label className="field">
            <span>Outcome</span>
            <input value={outcome} maxLength={200} onChange={(e) => setOutcome(e.target.value)} placeholder="Told her Friday" />
          </label>
          <label className="field call-minutes">
            <span>Minutes</span>
            <input type="number" min={0} max={600} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </label>
        </div>
        <label className="field">
          <span>Note</span>
          <textarea rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        <FieldProblem text={problem} />
        <div className="actions">
          <button type="submit" className="primary" disabled={saving || (!ro && number.trim() === '')}>
            {saving ? 'Logging…' : 'Log call'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Choice<T extends string>({
  legend,
  name,
  value,
  options,
  onChange,
  autoFocus,
}: {
  legend: string;
  name: string;
  value: T;
  options: Array<readonly [T, string]>;
  onChange(v: T): void;
  autoFocus?: boolean;
}) {
  return (
    <fieldset className="choice">
      <legend>{legend}</legend>
      {options.map(([v, label]) => (
        <label key={v} className={v === value ? 'chip chosen' : 'chip'}>
          <input type="radio" name={name} value={v} checked={v === value} onChange={() => onChange(v)} data-autofocus={autoFocus && v === value ? true : undefined} />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

/** The "Log call" button on a repair, and its shortcut (Alt+L) while the repair is open. */
export function LogCallButton({ ro }: { ro: RepairOrderDetail }) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyL') {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <>
      <button type="button" className="log-call-button" aria-keyshortcuts="Alt+L" onClick={() => setOpen(true)}>
        Log call <kbd>Alt L</kbd>
      </button>
      {open ? <LogCallDialog ro={ro} onClose={() => setOpen(false)} /> : null}
    </>
  );
}
