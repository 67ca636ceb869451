// A repair's appointments, and "Ask for a drop-off time" / "Ask for a pickup time": the desk
// records the ask (an 'invited' appointment) and the relay texts the customer the link to choose.
import { useState } from 'react';
import { KIND_LABELS } from '../../src-shared/scheduling/availability-rules.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import { AppointmentCard } from './Calendar.js';

export function RoAppointments({ roId }: { roId: string }) {
  const { api, announce } = useDesk();
  const list = useLive(api, () => api.call('appointment-for-ro', { roId }), ['appointments', 'appointment_availability', 'schedule_exceptions'], [roId]);
  const [problem, setProblem] = useState<string | null>(null);
  const ask = (kind: 'drop-off' | 'pickup') =>
    void api.call('appointment-invite', { roId, kind }).then(
      (l) => {
        list.set(l);
        setProblem(null);
        announce(`The customer will get a text to choose a ${KIND_LABELS[kind].toLowerCase()} time.`);
      },
      (err) => setProblem(messageOf(err)),
    );
  const shown = (list.data ?? []).filter((a) => a.state !== 'cancelled' && a.state !== 'expired');
  return (
    <section className="panel ro-appointments" aria-labelledby="ro-appointments-h">
      <h3 id="ro-appointments-h">Appointments</h3>
      {shown.length === 0 ? <p className="muted">None yet.</p> : null}
      <ul className="plain-list">
        {shown.map((a) => (
          <li key={a.id}>
            {a.state === 'invited' ? (
              <p>
                <span className={`tag kind-${a.kind}`}>{KIND_LABELS[a.kind]}</span> Asked the customer to choose a time; waiting for them.
              </p>
            ) : (
              <AppointmentCard entry={a} />
            )}
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={() => ask('drop-off')}>
          Ask for a drop-off time
        </button>
        <button type="button" onClick={() => ask('pickup')}>
          Ask for a pickup time
        </button>
      </div>
      <FieldProblem text={problem} />
    </section>
  );
}
