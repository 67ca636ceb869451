// The Calls screen: what the phone did over the last 60 days — calls a day by reason, the
// "where's my car?" calls per open repair before and after the shop started sending portal links
// (beside portal views and QR scans), which repairs drew them, and the calls no repair matched,
// to sort. Figures come from countCalls (src-shared/calls/counts.ts), as the reports use them.
import { useState } from 'react';
import type { CallCounts, PeriodFigure } from '../../src-shared/calls/counts.js';
import { CALL_REASONS, type CallEntry, type CallReason, describeDuration, REASON_SHORT } from '../../src-shared/calls/words.js';
import { useDesk } from '../shared/desk-context.js';
import { formatDay, formatMoment, formatPhone, messageOf } from '../shared/format.js';
import { Loading, Problem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import { LogCallDialog } from './LogCallDialog.js';

const KEYS = [...CALL_REASONS, 'unsorted'] as const;
const KEY_LABEL: Record<(typeof KEYS)[number], string> = { ...REASON_SHORT, unsorted: 'Not sorted yet' };

const perRo = (f: PeriodFigure | null) => (f?.statusCallsPerOpenRo === null || f?.statusCallsPerOpenRo === undefined ? '—' : f.statusCallsPerOpenRo.toFixed(2));

export function CallsReport() {
  const { api, go } = useDesk();
  const counts = useLive(api, () => api.call('call-counts', {}), ['calls', 'repair_orders', 'portal_counts', 'workspace_settings'], []);
  const board = useLive(api, () => api.call('ro-board', { includeClosed: false }), ['repair_orders'], []);
  const unassigned = useLive(api, () => api.call('call-list', { unassigned: true, limit: 50 }), ['calls'], []);
  const [logging, setLogging] = useState(false);
  const c = counts.data;
  if (!c) return counts.problem ? <Problem text={counts.problem} /> : <Loading what="the calls" />;
  const roNumber = new Map((board.data ?? []).map((r) => [r.id, r]));

  return (
    <div className="screen calls-screen">
      <div className="ro-header">
        <h2 className="screen-title">Calls</h2>
        <span className="muted">
          {formatDay(c.from, true)} – {formatDay(c.to, true)}
        </span>
        <button type="button" className="log-call-button" onClick={() => setLogging(true)}>
          Log a call
        </button>
      </div>
      <div className="calls-top">
        <Headline c={c} onSettings={() => go({ name: 'settings' })} />
        <section className="panel calls-portal" aria-labelledby="portal-use-heading">
          <h3 id="portal-use-heading">Portal use so far</h3>
          <p className="big-figure">{c.portal.views}</p>
          <p className="muted">portal views</p>
          <p className="big-figure">{c.portal.qrScans}</p>
          <p className="muted">QR code scans</p>
        </section>
      </div>
      <section className="panel" aria-labelledby="per-day-heading">
        <h3 id="per-day-heading">Calls a day, by reason</h3>
        <DayChart c={c} />
        <ul className="legend" aria-label="Reasons">
          {KEYS.map((k) => (
            <li key={k}>
              <span className={`swatch reason-${k}`} aria-hidden="true" /> {KEY_LABEL[k]}: <strong>{c.totals[k]}</strong>
            </li>
          ))}
          <li>
            All: <strong>{c.totals.all}</strong>
          </li>
        </ul>
      </section>
      <div className="calls-bottom">
        <section className="panel" aria-labelledby="by-ro-heading">
          <h3 id="by-ro-heading">“Where’s my car?” calls by repair</h3>
          {c.statusByRo.length === 0 ? <p className="muted">No status-check calls in these 60 days.</p> : null}
          <ol className="by-ro">
            {c.statusByRo.slice(0, 8).map((r) => {
              const ro = roNumber.get(r.roId);
              return (
                <li key={r.roId}>
                  <button type="button" className="quiet" onClick={() => go({ name: 'repair-order', id: r.roId })}>
                    {ro ? `RO ${ro.roNumber} · ${ro.customerName}` : 'A closed repair'}
                  </button>{' '}
                  <strong>{r.statusCalls}</strong>
                </li>
              );
            })}
          </ol>
        </section>
        <UnassignedCalls calls={unassigned.data ?? []} repairs={board.data ?? []} onChanged={() => void unassigned.reload()} />
      </div>
      {logging ? <LogCallDialog onClose={() => setLogging(false)} /> : null}
    </div>
  );
}

function Headline({ c, onSettings }: { c: CallCounts; onSettings(): void }) {
  if (!c.portalLinksSince || !c.before || !c.after) {
    return (
      <section className="panel calls-headline" aria-labelledby="headline-heading">
        <h3 id="headline-heading">Before and after portal links</h3>
        <p>
          {c.portalLinksSince
            ? `Portal links started on ${formatDay(c.portalLinksSince, true)}: these 60 days are all on one side of it.`
            : 'Say when the shop started sending portal links, and this compares the “where’s my car?” calls before and after.'}
        </p>
        <div className="actions">
          <button type="button" onClick={onSettings}>
            Settings › Calls
          </button>
        </div>
      </section>
    );
  }
  const pct = c.change === null ? null : Math.round(Math.abs(c.change) * 100);
  return (
    <section className="panel calls-headline" aria-labelledby="headline-heading">
      <h3 id="headline-heading">“Where’s my car?” calls since portal links ({formatDay(c.portalLinksSince, true)})</h3>
      <div className="before-after">
        <div>
          <p className="muted">Before ({c.before.days} days)</p>
          <p className="big-figure">{perRo(c.before)}</p>
          <p className="muted small">
            a day per open repair · {c.before.statusCalls} calls, {c.before.statusCallsPerDay.toFixed(1)} a day
          </p>
        </div>
        <div className="arrow" aria-hidden="true">
          →
        </div>
        <div>
          <p className="muted">After ({c.after.days} days)</p>
          <p className="big-figure">{perRo(c.after)}</p>
          <p className="muted small">
            a day per open repair · {c.after.statusCalls} calls, {c.after.statusCallsPerDay.toFixed(1)} a day
          </p>
        </div>
      </div>
      {pct !== null && c.change !== null ? (
        <p className="headline-sentence">
          <strong>
            {pct}% {c.change <= 0 ? 'fewer' : 'more'}
          </strong>{' '}
          status-check calls per open repair
          {c.callsSavedPerDay !== null && c.callsSavedPerDay > 0 ? `: about ${c.callsSavedPerDay.toFixed(1)} calls a day the shop no longer takes.` : '.'}
        </p>
      ) : null}
    </section>
  );
}

function DayChart({ c }: { c: CallCounts }) {
  const max = Math.max(1, ...c.days.map((d) => d.total));
  return (
    <figure className="day-chart" aria-label={`Calls on each of ${c.days.length} days; the totals are listed below the chart.`}>
      <div className="bars">
        {c.days.map((d) => (
          <div key={d.date} className={`bar${c.portalLinksSince === d.date ? ' since' : ''}`} title={`${formatDay(d.date)}: ${d.total} calls`}>
            {KEYS.map((k) =>
              d.byReason[k] > 0 ? <span key={k} className={`reason-${k}`} style={{ height: `${(d.byReason[k] / max) * 100}%` }} /> : null,
            )}
          </div>
        ))}
      </div>
      <figcaption className="muted small">
        {formatDay(c.from)} … {formatDay(c.to)} · tallest day {max} calls{c.portalLinksSince ? ' · the marked day is when portal links started' : ''}
      </figcaption>
    </figure>
  );
}

function UnassignedCalls({ calls, repairs, onChanged }: { calls: CallEntry[]; repairs: Array<{ id: string; roNumber: number; customerName: string }>; onChanged(): void }) {
  const { api } = useDesk();
  const [problem, setProblem] = useState<string | null>(null);
  const update = (id: string, patch: { roId?: string; reason?: CallReason }) =>
    api.call('call-update', { id, ...patch }).then(
      () => {
        setProblem(null);
        onChanged();
      },
      (err) => setProblem(messageOf(err)),
    );
  return (
    <section className="panel" aria-labelledby="unassigned-calls-heading">
      <h3 id="unassigned-calls-heading">Calls on no repair</h3>
      {calls.length === 0 ? <p className="muted">None: every call is on a repair.</p> : null}
      <Problem text={problem} />
      <ul className="unassigned-calls">
        {calls.slice(0, 8).map((c) => (
          <li key={c.id}>
            <span>
              <strong>{c.peerNumber ? formatPhone(c.peerNumber) : 'No number'}</strong> · {formatMoment(c.startedAt)} · {c.state === 'missed' ? 'Missed' : describeDuration(c.durationSeconds) || 'Logged'}
            </span>
            <select aria-label={`Reason for the call from ${formatPhone(c.peerNumber)}`} value={c.reason ?? ''} onChange={(e) => void update(c.id, { reason: e.target.value as CallReason })}>
              <option value="" disabled>
                Reason…
              </option>
              {CALL_REASONS.map((r) => (
                <option key={r} value={r}>
                  {REASON_SHORT[r]}
                </option>
              ))}
            </select>
            <select aria-label={`Repair for the call from ${formatPhone(c.peerNumber)}`} value="" onChange={(e) => void update(c.id, { roId: e.target.value })}>
              <option value="" disabled>
                Put on RO…
              </option>
              {repairs.map((r) => (
                <option key={r.id} value={r.id}>
                  RO {r.roNumber} · {r.customerName}
                </option>
              ))}
            </select>
          </li>
        ))}
      </ul>
    </section>
  );
}
