// The desk calendar: a day or a week of slots by kind with the places used (confirmed appointments
// and pending requests still holding their place, against how many at once), the appointments in
// them, and the requests waiting for a person: Confirm, Decline (a reason the customer reads), or
// Propose another time (one of the free slots). Times are the shop's, in its zone. Live: another
// desk's decision or a new request shows without reloading.
import { DateTime } from 'luxon';
import { useState } from 'react';
import { KIND_LABELS } from '../../src-shared/scheduling/availability-rules.js';
import type { AppointmentEntry, CalendarSlot, CalendarView } from '../../src-shared/scheduling/desk-api.js';
import { APPOINTMENT_KINDS, type AppointmentKind, type Slot } from '../../src-shared/scheduling/types.js';
import { useDesk } from '../shared/desk-context.js';
import { formatClock, formatDay, formatDayRange, formatPhone, messageOf, plural } from '../shared/format.js';
import { FieldProblem, Loading, Problem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import './scheduling.css';

const TABLES = ['appointments', 'appointment_availability', 'schedule_exceptions', 'workspace_settings', 'repair_orders', 'customers'];

const STATE_LABELS: Record<string, string> = {
  requested: 'Waiting',
  proposed: 'Other time proposed',
  confirmed: 'Confirmed',
  completed: 'Done',
  'no-show': 'No-show',
  declined: 'Declined',
  cancelled: 'Cancelled',
  invited: 'Asked to choose',
  expired: 'Lapsed',
};

function mondayOf(date: string): string {
  const d = DateTime.fromISO(date);
  return d.minus({ days: d.weekday - 1 }).toISODate()!;
}

export function Calendar() {
  const { api, shop } = useDesk();
  const zone = shop?.timeZone ?? 'America/Chicago';
  const today = DateTime.now().setZone(zone).toISODate()!;
  const [view, setView] = useState<'week' | 'day'>('week');
  const [day, setDay] = useState(today);
  const [kinds, setKinds] = useState<AppointmentKind[]>([...APPOINTMENT_KINDS]);
  const [selected, setSelected] = useState<string | null>(null);
  const from = view === 'week' ? mondayOf(day) : day;
  const days = view === 'week' ? 7 : 1;
  const cal = useLive(api, () => api.call('appointment-calendar', { from, days, kinds }), TABLES, [from, days, kinds.join()]);
  const pending = useLive(api, () => api.call('appointment-pending', {}), TABLES, []);
  const step = (n: number) => setDay(DateTime.fromISO(day).plus({ days: n * days }).toISODate()!);
  const chosen = selected ? (cal.data?.appointments.find((a) => a.id === selected) ?? pending.data?.find((a) => a.id === selected) ?? null) : null;

  return (
    <div className="screen calendar-screen">
      <div className="calendar-head">
        <h2 className="screen-title">Appointments</h2>
        <div className="calendar-controls" role="group" aria-label="Which days">
          <button type="button" onClick={() => step(-1)} aria-label={view === 'week' ? 'Previous week' : 'Previous day'}>
            ‹
          </button>
          <button type="button" onClick={() => setDay(today)}>
            Today
          </button>
          <button type="button" onClick={() => step(1)} aria-label={view === 'week' ? 'Next week' : 'Next day'}>
            ›
          </button>
          <strong className="calendar-range">{rangeLabel(from, days)}</strong>
          <span className="segmented">
            <button type="button" aria-pressed={view === 'day'} onClick={() => setView('day')}>
              Day
            </button>
            <button type="button" aria-pressed={view === 'week'} onClick={() => setView('week')}>
              Week
            </button>
          </span>
        </div>
        <fieldset className="calendar-kinds">
          <legend className="visually-hidden">Kinds shown</legend>
          {APPOINTMENT_KINDS.map((k) => (
            <label key={k} className={`check kind-${k}`}>
              <input
                type="checkbox"
                checked={kinds.includes(k)}
                onChange={(e) => setKinds(e.target.checked ? APPOINTMENT_KINDS.filter((x) => x === k || kinds.includes(x)) : kinds.filter((x) => x !== k).length ? kinds.filter((x) => x !== k) : kinds)}
              />{' '}
              {KIND_LABELS[k]}
            </label>
          ))}
        </fieldset>
        <span className="muted calendar-zone">Times in {zone}</span>
      </div>
      <Problem text={cal.problem} />
      <div className="calendar-layout">
        {cal.data ? <Grid view={cal.data} today={today} selected={selected} onSelect={setSelected} /> : <Loading what="the calendar" />}
        <aside className="calendar-side" aria-label="Requests">
          {chosen ? <AppointmentCard entry={chosen} onClose={() => setSelected(null)} /> : null}
          <h3>
            Requests waiting {pending.data?.length ? <span className="badge badge-unread">{pending.data.length}</span> : null}
          </h3>
          {pending.data && pending.data.length === 0 ? <p className="muted">No request is waiting.</p> : null}
          <ul className="plain-list request-list">
            {(pending.data ?? []).filter((p) => p.id !== chosen?.id).map((p) => (
              <li key={p.id}>
                <AppointmentCard entry={p} compact onOpen={() => { setSelected(p.id); if (p.localDate) setDay(p.localDate); }} />
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </div>
  );
}

function rangeLabel(from: string, days: number): string {
  // The country's own order: "Nov 30 – Dec 6, 2026" at a US shop, "30 Nov – 6 Dec 2026" at a UK one.
  return formatDayRange(from, DateTime.fromISO(from).plus({ days: days - 1 }).toISODate()!);
}

function Grid({ view, today, selected, onSelect }: { view: CalendarView; today: string; selected: string | null; onSelect(id: string): void }) {
  const dates = Array.from({ length: view.days }, (_, i) => DateTime.fromISO(view.from).plus({ days: i }).toISODate()!);
  const times = [...new Set([...view.slots.map((s) => s.localTime), ...view.appointments.map((a) => a.localTime ?? '')].filter(Boolean))].sort();
  const closedOn = new Map(view.closed.map((c) => [c.date, c.reason]));
  const slotAt = new Map<string, CalendarSlot[]>();
  for (const s of view.slots) slotAt.set(`${s.localDate} ${s.localTime}`, [...(slotAt.get(`${s.localDate} ${s.localTime}`) ?? []), s]);
  const apptAt = new Map<string, AppointmentEntry[]>();
  for (const a of view.appointments) apptAt.set(`${a.localDate} ${a.localTime}`, [...(apptAt.get(`${a.localDate} ${a.localTime}`) ?? []), a]);
  if (times.length === 0) {
    return <p className="notice calendar-grid">No appointment hours these days. Set them in Settings › Appointments.</p>;
  }
  return (
    <div className="calendar-grid" role="region" aria-label="Calendar" tabIndex={0}>
      <table className={`calendar-table days-${view.days}`}>
        <thead>
          <tr>
            <th scope="col" className="time-col">
              <span className="visually-hidden">Time</span>
            </th>
            {dates.map((d) => (
              <th key={d} scope="col" className={closedOn.has(d) ? 'is-closed' : d === today ? 'is-today' : undefined}>
                {formatDay(d)}
                {closedOn.has(d) ? <span className="closed-note">Closed{closedOn.get(d) ? `: ${closedOn.get(d)}` : ''}</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {times.map((t) => (
            <tr key={t}>
              <th scope="row" className="time-col">
                {formatClock(t)}
              </th>
              {dates.map((d) => {
                const slots = slotAt.get(`${d} ${t}`) ?? [];
                const appts = apptAt.get(`${d} ${t}`) ?? [];
                return (
                  <td key={d} className={closedOn.has(d) ? 'is-closed' : d === today ? 'is-today' : undefined}>
                    {slots.map((s) => (
                      <div key={s.kind} className={`slot kind-${s.kind}${s.used >= s.capacity ? ' slot-full' : ''}`} title={`${KIND_LABELS[s.kind]} ${formatClock(t)}: ${s.used} of ${s.capacity} taken`}>
                        <span className="slot-kind">{KIND_LABELS[s.kind]}</span>
                        <span className="slot-used">
                          {s.used}/{s.capacity}
                        </span>
                      </div>
                    ))}
                    {appts.map((a) => (
                      <button
                        key={a.id}
                        type="button"
                        className={`appt appt-${a.state} kind-${a.kind}${a.problem ? ' appt-problem' : ''}${selected === a.id ? ' chosen' : ''}`}
                        onClick={() => onSelect(a.id)}
                        aria-label={`${a.name}, ${KIND_LABELS[a.kind]} ${formatClock(t)}, ${STATE_LABELS[a.state]}${a.problem ? ', needs attention' : ''}`}
                      >
                        {a.problem ? '⚠ ' : a.state === 'requested' ? '? ' : ''}
                        {a.name}
                        {a.roNumber ? ` · RO ${a.roNumber}` : ''}
                      </button>
                    ))}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function when(a: AppointmentEntry): string {
  if (!a.localDate || !a.localTime) return 'No time chosen yet';
  return `${formatDay(a.localDate)}, ${formatClock(a.localTime)}`;
}

/** One appointment with what can be done about it. */
export function AppointmentCard({ entry, compact, onOpen, onClose }: { entry: AppointmentEntry; compact?: boolean; onOpen?(): void; onClose?(): void }) {
  const { api, go, announce } = useDesk();
  const [mode, setMode] = useState<'none' | 'decline' | 'propose'>('none');
  const [reason, setReason] = useState('');
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [pick, setPick] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const busy = async (fn: () => Promise<unknown>, said: string) => {
    try {
      await fn();
      setProblem(null);
      setMode('none');
      announce(said);
    } catch (err) {
      setProblem(messageOf(err));
    }
  };
  const open = entry.state === 'requested';
  return (
    <article className={`appt-card kind-${entry.kind}${entry.problem ? ' appt-problem' : ''}`} aria-label={`${entry.name}, ${KIND_LABELS[entry.kind]}`}>
      <header>
        <strong>{entry.name}</strong> <span className={`tag kind-${entry.kind}`}>{KIND_LABELS[entry.kind]}</span>{' '}
        <span className="muted">{STATE_LABELS[entry.state]}</span>
        {entry.lead ? <span className="tag">New customer</span> : null}
        {onClose ? (
          <button type="button" className="small align-end" onClick={onClose} aria-label="Close">
            ×
          </button>
        ) : null}
      </header>
      <p>
        {when(entry)}
        {entry.roNumber ? ` · RO ${entry.roNumber}` : ''}
      </p>
      {entry.problem ? (
        <p className="notice notice-problem" role="alert">
          {entry.problem}
        </p>
      ) : null}
      {!compact || open ? (
        <p className="muted small">
          {[entry.vehicle, formatPhone(entry.mobile), entry.email].filter(Boolean).join(' · ')}
          {entry.description ? <><br />“{entry.description}”</> : null}
          {entry.insurer ? <><br />{entry.insurer}{entry.claimNumber ? `, claim ${entry.claimNumber}` : ''}</> : null}
        </p>
      ) : null}
      {entry.state === 'declined' && entry.declineReason ? <p className="small">Declined: {entry.declineReason}</p> : null}
      {entry.decidedBy && entry.state !== 'requested' ? <p className="muted small">By {entry.decidedBy}</p> : null}
      <div className="text-actions">
        {onOpen ? (
          <button type="button" className="small" onClick={onOpen}>
            Show
          </button>
        ) : null}
        {open ? (
          <>
            <button type="button" className="primary small" onClick={() => void busy(() => api.call('appointment-confirm', { id: entry.id }), `${entry.name}'s appointment confirmed.`)}>
              Confirm
            </button>
            <button type="button" className="small" onClick={() => setMode(mode === 'decline' ? 'none' : 'decline')}>
              Decline
            </button>
            <button
              type="button"
              className="small"
              onClick={() => {
                setMode(mode === 'propose' ? 'none' : 'propose');
                void api.call('appointment-free-slots', { kind: entry.kind, days: 14 }).then((s) => {
                  setSlots(s);
                  setPick(s[0]?.startsAt ?? '');
                }, (err) => setProblem(messageOf(err)));
              }}
            >
              Propose another time
            </button>
          </>
        ) : null}
        {entry.state === 'confirmed' && !compact ? (
          <button type="button" className="small" onClick={() => void busy(() => api.call('appointment-cancel', { id: entry.id, reason: '' }), 'Appointment cancelled.')}>
            Cancel appointment
          </button>
        ) : null}
        {entry.lead && !compact ? (
          <button type="button" className="small" onClick={() => go({ name: 'check-in', appointmentId: entry.id })}>
            Check in…
          </button>
        ) : null}
        {entry.roId && !compact ? (
          <button type="button" className="small" onClick={() => go({ name: 'repair-order', id: entry.roId! })}>
            Open RO {entry.roNumber}
          </button>
        ) : null}
      </div>
      {mode === 'decline' ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void busy(() => api.call('appointment-decline', { id: entry.id, reason }), `${entry.name}'s request declined.`);
          }}
        >
          <label className="field">
            <span>Reason (the customer reads it)</span>
            <input value={reason} required minLength={3} maxLength={500} onChange={(e) => setReason(e.target.value)} placeholder="We are fully booked that week" />
          </label>
          <button type="submit" className="small">
            Decline request
          </button>
        </form>
      ) : null}
      {mode === 'propose' ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void busy(() => api.call('appointment-propose', { id: entry.id, startsAt: pick }), 'Another time proposed.');
          }}
        >
          {slots && slots.length === 0 ? <p className="muted">No free {KIND_LABELS[entry.kind].toLowerCase()} time in the next two weeks.</p> : null}
          {slots && slots.length ? (
            <label className="field">
              <span>Free times ({plural(slots.length, 'slot')})</span>
              <select value={pick} onChange={(e) => setPick(e.target.value)}>
                {slots.map((s) => (
                  <option key={s.startsAt} value={s.startsAt}>
                    {formatDay(s.localDate)} {formatClock(s.localTime)} ({s.free} free)
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <button type="submit" className="small" disabled={!pick}>
            Propose this time
          </button>
        </form>
      ) : null}
      <FieldProblem text={problem} />
    </article>
  );
}

/** The number of requests waiting, beside "Appointments" in the bar. */
export function RequestsCount() {
  const { api } = useDesk();
  const pending = useLive(api, () => api.call('appointment-pending', {}), ['appointments'], []);
  const n = pending.data?.length ?? 0;
  if (n === 0) return null;
  return (
    <span className="badge badge-unread" title={`${plural(n, 'request')} waiting for an answer`}>
      {n}
    </span>
  );
}
