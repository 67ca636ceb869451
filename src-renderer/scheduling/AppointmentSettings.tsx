// Settings › Appointments: for each kind (estimate, drop-off, pickup) on/off, the weekly hours
// (several ranges a day), slot length, how many at once, lead time, how far ahead and how long a
// request holds its place; closures, holidays and days with their own hours; the private calendar
// feed and the mailboxes whose calendar takes confirmed appointments. Problems are shown as the
// person types (the same rules the desk refuses with), in the shop's time zone.
import { type FormEvent, useEffect, useState } from 'react';
import { availabilityProblems, exceptionProblems, KIND_LABELS, WEEKDAY_LABELS } from '../../src-shared/scheduling/availability-rules.js';
import type { AvailabilitySetting, CalendarAccount, SchedulingSettings } from '../../src-shared/scheduling/desk-api.js';
import { APPOINTMENT_KINDS, type AppointmentKind, type Availability, type TimeRange, WEEKDAYS, type Weekday } from '../../src-shared/scheduling/types.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem, Loading } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import './scheduling.css';

const TABLES = ['appointment_availability', 'schedule_exceptions', 'workspace_settings'];

export function AppointmentSettings() {
  const { api } = useDesk();
  const settings = useLive(api, () => api.call('schedule-settings-get', {}), TABLES, []);
  if (!settings.data) return <Loading what="appointment settings" />;
  return (
    <section id="set-appointments" className="panel appointment-settings" aria-labelledby="appointments-heading">
      <h3 id="appointments-heading">Appointments</h3>
      <p className="muted">
        Times are the shop’s: <strong>{settings.data.timeZone}</strong> (change it under Shop). Customers book free slots on the shop page and
        from their repair’s page; every request waits here for a person to confirm it.
      </p>
      {settings.data.kinds.map((k) => (
        <KindForm key={k.kind} setting={k} onSaved={settings.set} />
      ))}
      <Exceptions settings={settings.data} onSaved={settings.set} />
      <CalendarFeed />
    </section>
  );
}

function KindForm({ setting, onSaved }: { setting: AvailabilitySetting; onSaved(s: SchedulingSettings): void }) {
  const { api } = useDesk();
  const [draft, setDraft] = useState<Availability>(setting);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setDraft(setting), [setting]);
  const problems = availabilityProblems(draft);
  const label = KIND_LABELS[setting.kind];
  const id = `kind-${setting.kind}`;

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      const { kind, active, slotMinutes, capacity, leadMinutes, horizonDays, holdMinutes } = draft;
      onSaved(await api.call('schedule-availability-save', { kind, active, slotMinutes, capacity, leadMinutes, horizonDays, holdMinutes, weeklyHours: copyWeek(draft.weeklyHours) }));
      setSaved(`${label} hours saved.`);
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  const setDay = (day: Weekday, ranges: TimeRange[]) => setDraft({ ...draft, weeklyHours: { ...draft.weeklyHours, [day]: ranges } });
  const number = (field: 'slotMinutes' | 'capacity' | 'leadMinutes' | 'horizonDays' | 'holdMinutes', factor = 1) => ({
    value: Number.isFinite(draft[field]) ? String(Math.round((draft[field] / factor) * 100) / 100) : '',
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [field]: e.target.value === '' ? Number.NaN : Math.round(Number(e.target.value) * factor) }),
  });

  return (
    <form className="kind-form" aria-labelledby={`${id}-h`} onSubmit={(e) => void save(e)}>
      <div className="kind-head">
        <h4 id={`${id}-h`}>{label}</h4>
        <label className="check">
          <input type="checkbox" checked={draft.active} onChange={(e) => setDraft({ ...draft, active: e.target.checked })} /> Customers can book
        </label>
      </div>
      <div className="kind-numbers">
        <label className="field">
          <span>Slot length (minutes)</span>
          <input type="number" min={5} max={480} step={5} {...number('slotMinutes')} />
        </label>
        <label className="field">
          <span>How many at once</span>
          <input type="number" min={1} max={50} {...number('capacity')} />
        </label>
        <label className="field">
          <span>Lead time (hours)</span>
          <input type="number" min={0} step={0.5} {...number('leadMinutes', 60)} />
        </label>
        <label className="field">
          <span>How far ahead (days)</span>
          <input type="number" min={1} max={365} {...number('horizonDays')} />
        </label>
        <label className="field">
          <span>Request holds (hours)</span>
          <input type="number" min={0.5} step={0.5} {...number('holdMinutes', 60)} />
        </label>
      </div>
      <table className="week-hours">
        <caption className="visually-hidden">{label}: weekly hours</caption>
        <tbody>
          {WEEKDAYS.map((day) => (
            <tr key={day}>
              <th scope="row">{WEEKDAY_LABELS[day]}</th>
              <td>
                <Ranges
                  ranges={[...draft.weeklyHours[day]]}
                  label={`${label}, ${WEEKDAY_LABELS[day]}`}
                  onChange={(r) => setDay(day, r)}
                  invalid={(i) => problems.some((p) => p.field === `weeklyHours.${day}.${i}`)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {problems.length ? (
        <ul className="field-problem plain-list" role="alert">
          {problems.map((p) => (
            <li key={p.field + p.message}>{p.message}</li>
          ))}
        </ul>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={problems.length > 0}>
          Save {label.toLowerCase()} hours
        </button>
        {saved ? <span className="notice notice-ok">{saved}</span> : null}
      </div>
      <FieldProblem text={problem} />
    </form>
  );
}

function copyWeek(week: Availability['weeklyHours']): Record<Weekday, Array<[string, string]>> {
  const out = {} as Record<Weekday, Array<[string, string]>>;
  for (const day of WEEKDAYS) out[day] = (week[day] ?? []).map(([s, e]) => [s, e]);
  return out;
}

function Ranges({ ranges, label, onChange, invalid }: { ranges: TimeRange[]; label: string; onChange(r: TimeRange[]): void; invalid(i: number): boolean }) {
  return (
    <div className="ranges">
      {ranges.length === 0 ? <span className="muted">Closed</span> : null}
      {ranges.map(([start, end], i) => (
        <span key={i} className={invalid(i) ? 'range range-bad' : 'range'}>
          <input type="time" aria-label={`${label}: from`} value={start} onChange={(e) => onChange(ranges.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          –
          <input type="time" aria-label={`${label}: until`} value={end} onChange={(e) => onChange(ranges.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button type="button" className="small" aria-label={`Remove ${start}–${end} on ${label}`} onClick={() => onChange(ranges.filter((_, j) => j !== i))}>
            ×
          </button>
        </span>
      ))}
      <button
        type="button"
        className="small"
        aria-label={`Add hours: ${label}`}
        onClick={() => {
          const last = ranges.at(-1);
          onChange([...ranges, last ? [last[1], last[1] < '23:00' ? `${String(Number(last[1].slice(0, 2)) + 1).padStart(2, '0')}${last[1].slice(2)}` : '23:59'] : ['09:00', '12:00']]);
        }}
      >
        + hours
      </button>
    </div>
  );
}

function Exceptions({ settings, onSaved }: { settings: SchedulingSettings; onSaved(s: SchedulingSettings): void }) {
  const { api } = useDesk();
  const [date, setDate] = useState('');
  const [kind, setKind] = useState<AppointmentKind | ''>('');
  const [closed, setClosed] = useState(true);
  const [hours, setHours] = useState<TimeRange[]>([['09:00', '12:00']]);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const typed = date ? exceptionProblems({ date, kind: kind || null, closed, hours: closed ? null : hours, reason }, settings.timeZone, null) : [];

  async function add(e: FormEvent) {
    e.preventDefault();
    try {
      onSaved(await api.call('schedule-exception-save', { date, kind: kind || null, closed, hours: closed ? null : hours.map(([s, e]): [string, string] => [s, e]), reason }));
      setDate('');
      setReason('');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <div className="exceptions" aria-labelledby="closures-h">
      <h4 id="closures-h">Closures, holidays and days with their own hours</h4>
      {settings.exceptions.length === 0 ? <p className="muted">None planned.</p> : null}
      <ul className="plain-list exception-days">
        {settings.exceptions.map((x) => (
          <li key={x.id}>
            <strong>{x.date}</strong> · {x.kind ? KIND_LABELS[x.kind] : 'All kinds'} ·{' '}
            {x.closed ? 'Closed' : (x.hours ?? []).map(([s, e]) => `${s}–${e}`).join(', ')}
            {x.reason ? ` · ${x.reason}` : ''}{' '}
            <button type="button" className="small" onClick={() => void api.call('schedule-exception-remove', { id: x.id }).then(onSaved, (err) => setProblem(messageOf(err)))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="exception-form" onSubmit={(e) => void add(e)}>
        <label className="field">
          <span>Date</span>
          <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
        <label className="field">
          <span>For</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as AppointmentKind | '')}>
            <option value="">All kinds</option>
            {APPOINTMENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={closed} onChange={(e) => setClosed(e.target.checked)} /> Closed all day
        </label>
        {!closed ? <Ranges ranges={hours} label="That day" onChange={setHours} invalid={(i) => typed.some((p) => p.field === `hours.${i}`)} /> : null}
        <label className="field">
          <span>Reason (customers see it)</span>
          <input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} placeholder="Thanksgiving" />
        </label>
        <button type="submit" disabled={!date || typed.length > 0}>
          Add
        </button>
      </form>
      {typed.length ? <FieldProblem text={typed[0]!.message} /> : <FieldProblem text={problem} />}
    </div>
  );
}

function CalendarFeed() {
  const { api } = useDesk();
  const feed = useLive(api, () => api.call('calendar-feed-get', {}), ['portal_tokens'], []);
  const accounts = useLive(api, () => api.call('calendar-accounts', {}), ['mailboxes', 'appointments'], []);
  const [problem, setProblem] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const act = (method: 'calendar-feed-issue' | 'calendar-feed-revoke') =>
    void api.call(method, {}).then(
      (f) => {
        feed.set(f);
        setProblem(null);
        setCopied(false);
      },
      (err) => setProblem(messageOf(err)),
    );
  const f = feed.data;
  return (
    <div className="calendar-feed" aria-labelledby="feed-h">
      <h4 id="feed-h">The shop’s calendar</h4>
      <p className="muted">
        A private address Google Calendar or Outlook subscribes to (“From URL” / “Subscribe from web”): confirmed appointments appear there. Anyone
        with the address sees them; revoke it if it was shared by mistake.
      </p>
      {f?.url ? (
        <div className="copy-row">
          <input readOnly aria-label="Calendar feed address" value={f.url} onFocus={(e) => e.target.select()} />
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard.writeText(f.url!).then(
                () => setCopied(true),
                () => setProblem('Could not copy; select the address and press Ctrl+C.'),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      ) : f?.active ? (
        <p>A feed was created on another desk; create a new one here to see its address (the old one then stops working).</p>
      ) : null}
      <div className="actions">
        <button type="button" onClick={() => act('calendar-feed-issue')} disabled={f ? !f.paired : true}>
          {f?.active ? 'Create a new address' : 'Create the feed address'}
        </button>
        {f?.active ? (
          <button type="button" onClick={() => act('calendar-feed-revoke')}>
            Revoke
          </button>
        ) : null}
      </div>
      {f && !f.paired ? <p className="muted">Pair this desk with the shop’s relay (Settings › Relay) to serve a calendar feed.</p> : null}
      <FieldProblem text={problem} />
      <CalendarAccounts accounts={accounts.data ?? []} />
    </div>
  );
}

function CalendarAccounts({ accounts }: { accounts: CalendarAccount[] }) {
  const { api } = useDesk();
  const [problem, setProblem] = useState<string | null>(null);
  if (accounts.length === 0) {
    return <p className="muted">Connect a Gmail or Outlook mailbox (Settings › Email) to have confirmed appointments written to its calendar too.</p>;
  }
  return (
    <>
      <ul className="plain-list">
        {accounts.map((a) => (
          <li key={a.mailboxId}>
            {a.needsCalendarPermission ? (
              <span className="notice notice-warn">
                {a.address}: Bayline may not write this calendar.{' '}
                <button
                  type="button"
                  onClick={() =>
                    void api.call('mail-connect-start', { provider: a.provider === 'outlook' ? 'outlook' : 'gmail' }).then(
                      (r) => window.open(r.url, '_blank', 'noopener'),
                      (err) => setProblem(messageOf(err)),
                    )
                  }
                >
                  Reconnect with calendar permission
                </button>
              </span>
            ) : (
              <span>
                {a.address}: confirmed appointments go to its calendar, and move or leave with them.
              </span>
            )}
          </li>
        ))}
      </ul>
      <FieldProblem text={problem} />
    </>
  );
}
