// Who is at the desk: a person switches in with their PIN, and every action from this window is
// then attributed to them (the activity list says who did what).
import { type FormEvent, useState } from 'react';
import type { StaffMember } from '../../src-shared/domain.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';

export function StaffSwitch({ current, onSwitched }: { current: StaffMember | null; onSwitched(who: StaffMember): void }) {
  const { staff } = useDesk();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="bar-button" onClick={() => setOpen(true)} aria-haspopup="dialog">
        <span className="muted-on-dark">At the desk:</span> {current ? current.name : 'nobody switched in'}
      </button>
      {open ? (
        <SwitchDialog
          staff={staff.filter((s) => s.active)}
          current={current}
          onClose={() => setOpen(false)}
          onSwitched={(who) => {
            setOpen(false);
            onSwitched(who);
          }}
        />
      ) : null}
    </>
  );
}

function SwitchDialog({
  staff,
  current,
  onClose,
  onSwitched,
}: {
  staff: StaffMember[];
  current: StaffMember | null;
  onClose(): void;
  onSwitched(who: StaffMember): void;
}) {
  const { api } = useDesk();
  const [who, setWho] = useState(current?.id ?? staff[0]?.id ?? '');
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      onSwitched(await api.call('staff-switch', { staffId: who, pin }));
    } catch (err) {
      setProblem(messageOf(err));
      setPin('');
    }
  }

  return (
    <Dialog title="Who is at the desk?" onClose={onClose}>
      {staff.length === 0 ? (
        <p>No staff are set up yet. Add people and their PINs in Settings → Staff.</p>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="stack">
          <label className="field">
            <span>Name</span>
            <select value={who} onChange={(e) => setWho(e.target.value)}>
              {staff.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.role})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>PIN</span>
            <input data-autofocus type="password" inputMode="numeric" autoComplete="off" value={pin} maxLength={8} onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))} />
          </label>
          <FieldProblem text={problem} />
          <div className="actions">
            <button type="submit" className="primary" disabled={pin.length < 4}>
              Switch in
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
