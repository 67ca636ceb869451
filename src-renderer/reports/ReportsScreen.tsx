// The Reports screen (owner and manager): for a period, an insurer and a staff member — front-desk
// time reclaimed with its formula, cycle time and on-time delivery by week or month, where cars
// wait, CSI trend, messages and first replies; and the Scorecards tab, one card per insurer (the
// DRP view) that exports as the PDF a shop sends to that insurer. Every chart has its table beside it.
import { type KeyboardEvent, useMemo, useRef, useState } from 'react';
import type { ReportExport, ReportView } from '../../src-shared/reports/api.js';
import type { ReportFigures, Scorecard } from '../../src-shared/reports/figures.js';
import { useDesk } from '../shared/desk-context.js';
import { addDays, deskCountry, formatDay, messageOf } from '../shared/format.js';
import { Loading, Problem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import { base64Bytes } from '../printing/PdfPreview.js';
import { Chart } from './Chart.js';
import './reports.css';

const TABLES = ['repair_orders', 'stage_events', 'promised_date_changes', 'ro_exceptions', 'messages', 'portal_counts', 'csi_responses', 'workspace_settings', 'staff'];

export const fmt = {
  days: (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(1)} d`),
  pct: (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} %`),
  num: (v: number | null | undefined, places = 2) => (v === null || v === undefined ? '—' : v.toFixed(places)),
  minutes: (v: number | null | undefined) => (v === null || v === undefined ? '—' : v < 90 ? `${Math.round(v)} min` : `${(v / 60).toFixed(1)} h`),
  hours: (v: number | null | undefined) => (v === null || v === undefined ? '—' : v < 48 ? `${Math.round(v)} h` : `${(v / 24).toFixed(1)} d`),
};

type Tab = 'report' | 'scorecards';

/**
 * "Sep 7" for a whole week (in the shop's country's form), "Sep 6 (1 day)" for a part week — the
 * period's first days before the shop's week starts — so a one-day row is never read as a week.
 */
function bucketLabel(start: string, unit: 'week' | 'month', next?: string): string {
  const d = new Date(`${start}T00:00:00Z`);
  const locale = deskCountry().locale;
  if (unit === 'month') return d.toLocaleDateString(locale, { month: 'short', year: '2-digit', timeZone: 'UTC' });
  const label = d.toLocaleDateString(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const days = next ? Math.round((Date.parse(`${next}T00:00:00Z`) - d.getTime()) / 86_400_000) : 7;
  return days > 0 && days < 7 ? `${label} (${days === 1 ? '1 day' : `${days} days`})` : label;
}

export function ReportsScreen() {
  const { api, shop } = useDesk();
  const [to, setTo] = useState<string>(() => new Date().toISOString().slice(0, 10));
  const [from, setFrom] = useState<string>(() => addDays(new Date().toISOString().slice(0, 10), -89));
  const [insurer, setInsurer] = useState<string>('');
  const [staffId, setStaffId] = useState<string>('');
  const [tab, setTab] = useState<Tab>('report');
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const args = { from, to, insurer: insurer || null, staffId: staffId || null };
  const view = useLive(api, () => api.call('report-view', args), TABLES, [from, to, insurer, staffId]);
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  function preset(days: number) {
    const end = new Date().toISOString().slice(0, 10);
    setTo(end);
    setFrom(addDays(end, -(days - 1)));
  }

  async function exportAs(format: 'csv' | 'pdf', which: 'reports' | 'scorecards', only?: string) {
    setProblem(null);
    try {
      const file: ReportExport = await api.call('report-export', { ...args, insurer: only ?? args.insurer, format, view: which });
      const url = URL.createObjectURL(new Blob([base64Bytes(file.base64) as BlobPart], { type: file.mimeType }));
      const a = document.createElement('a');
      a.href = url;
      a.download = file.fileName;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setStatus(`Saved ${file.fileName}.`);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  function onTabKey(e: KeyboardEvent<HTMLButtonElement>) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const next: Tab = tab === 'report' ? 'scorecards' : 'report';
    setTab(next);
    tabs.current[next === 'report' ? 0 : 1]?.focus();
  }

  const v = view.data;
  return (
    <div className="screen reports-screen">
      <div className="ro-header">
        <h2 className="screen-title">Reports</h2>
        {shop ? <span className="muted">Times in {shop.timeZone}</span> : null}
      </div>
      <form className="panel report-filters" aria-label="What the report covers" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>From</span>
          <input type="date" value={from} max={to} onChange={(e) => e.target.value && setFrom(e.target.value)} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" value={to} min={from} onChange={(e) => e.target.value && setTo(e.target.value)} />
        </label>
        <div className="report-presets" role="group" aria-label="Quick periods">
          <button type="button" onClick={() => preset(30)}>Last 30 days</button>
          <button type="button" onClick={() => preset(90)}>Last 90 days</button>
          <button type="button" onClick={() => preset(365)}>Last 12 months</button>
        </div>
        <label className="field">
          <span>Insurer</span>
          <select value={insurer} onChange={(e) => setInsurer(e.target.value)}>
            <option value="">All insurers</option>
            {(v?.insurers ?? []).map((i) => (
              <option key={i} value={i}>{i}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Staff member</span>
          <select value={staffId} onChange={(e) => setStaffId(e.target.value)}>
            <option value="">Everyone</option>
            {(v?.staff ?? []).map((m) => (
              <option key={m.id} value={m.id}>{m.name}</option>
            ))}
          </select>
        </label>
        <div className="report-exports" role="group" aria-label="Export">
          <button type="button" onClick={() => void exportAs('csv', tab === 'report' ? 'reports' : 'scorecards')}>Export CSV</button>
          <button type="button" className="primary" onClick={() => void exportAs('pdf', tab === 'report' ? 'reports' : 'scorecards')}>Export PDF</button>
        </div>
      </form>
      {problem ? <Problem text={problem} /> : null}
      <p className="visually-hidden" role="status">{status}</p>

      <div role="tablist" aria-label="Reports" className="report-tabs">
        {(['report', 'scorecards'] as const).map((t, i) => (
          <button
            key={t}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`report-tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`report-panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            className={tab === t ? 'tab current' : 'tab'}
            onClick={() => setTab(t)}
            onKeyDown={onTabKey}
          >
            {t === 'report' ? 'Shop report' : 'Insurer scorecards'}
          </button>
        ))}
      </div>

      {!v ? (
        view.problem ? <Problem text={view.problem} /> : <Loading what="the figures" />
      ) : tab === 'report' ? (
        <div role="tabpanel" id="report-panel-report" aria-labelledby="report-tab-report">
          <ShopReport v={v} />
        </div>
      ) : (
        <div role="tabpanel" id="report-panel-scorecards" aria-labelledby="report-tab-scorecards">
          <Scorecards cards={v.scorecards} figures={v.figures} onExport={(only, format) => void exportAs(format, 'scorecards', only)} />
        </div>
      )}
    </div>
  );
}

function Tile({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="report-tile">
      <span className="report-tile-label">{label}</span>
      <strong className="report-tile-value">{value}</strong>
      {note ? <span className="report-tile-note">{note}</span> : null}
    </div>
  );
}

function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: string[][] }) {
  return (
    <div className="report-table-wrap" tabIndex={0} role="region" aria-label={`${caption}, table`}>
      <table className="report-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>{head.map((h) => <th key={h} scope="col">{h}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>{r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ShopReport({ v }: { v: ReportView }) {
  const f = v.figures;
  const names = useMemo(() => new Map(v.staff.map((m) => [m.id, m.name])), [v.staff]);
  const labels = f.trend.map((t, i) => bucketLabel(t.start, f.trendUnit, f.trend[i + 1]?.start));
  const unit = f.trendUnit === 'week' ? 'Week of' : 'Month';
  const dwell = f.dwell.filter((d) => d.count > 0);
  return (
    <>
      <section className="report-tiles" aria-label="Headline figures">
        <Tile label="Front-desk time reclaimed" value={fmt.minutes(f.reclaimed.minutes)} note={f.reclaimed.measured ? 'measured from counted calls' : 'an estimate'} />
        <Tile label="Keys-to-keys, average" value={fmt.days(f.cycle.keysToKeys.averageDays)} note={`target ${f.cycle.targetDays} d · from first notice ${fmt.days(f.cycle.fromFirstNotice.averageDays)}`} />
        <Tile label="On-time delivery" value={fmt.pct(f.onTime.percent)} note={`target ${f.onTime.targetPercent} % · ${f.onTime.late} late of ${f.onTime.counted}`} />
        <Tile label="CSI overall · NPS" value={`${fmt.num(f.csi.overall)} · ${f.csi.nps === null ? '—' : Math.round(f.csi.nps)}`} note={`${f.csi.responses} responses (${fmt.pct(f.csi.responseRate)})`} />
        <Tile label="First reply to a customer" value={fmt.minutes(f.messages.firstResponseMedianMinutes)} note={`median · ${f.messages.unanswered} unanswered`} />
        <Tile label="Messages in / out" value={`${f.messages.inbound} / ${f.messages.outbound}`} note={`${f.messages.automated} automated · ${f.delivered} delivered`} />
      </section>
      <p className="report-formula" aria-label="How time reclaimed is worked out">
        <strong>Time reclaimed:</strong> {f.reclaimed.formula}
      </p>

      <div className="report-grid">
        <section className="panel report-pair" aria-labelledby="cycle-heading">
          <h3 id="cycle-heading">Cycle time and on-time delivery</h3>
          <Chart
            id="chart-cycle"
            kind="line"
            labels={labels}
            leftUnit="days"
            rightUnit="% on time"
            target={{ value: f.cycle.targetDays, label: `target ${f.cycle.targetDays} d` }}
            description={`Keys-to-keys days and on-time percentage by ${f.trendUnit}, ${f.from} to ${f.to}. The same figures are in the table beside.`}
            series={[
              { label: 'Keys-to-keys (days)', values: f.trend.map((t) => t.averageCycleDays), format: (x) => x.toFixed(1), style: 'solid' },
              { label: 'On time (%)', values: f.trend.map((t) => t.onTimePercent), format: (x) => `${Math.round(x)}%`, right: true, style: 'dashed' },
            ]}
          />
          <DataTable caption="Cycle time and on-time delivery" head={[unit, 'Delivered', 'Keys-to-keys', 'On time']} rows={f.trend.map((t, i) => [labels[i]!, String(t.delivered), fmt.days(t.averageCycleDays), fmt.pct(t.onTimePercent)])} />
        </section>

        <section className="panel report-pair" aria-labelledby="dwell-heading">
          <h3 id="dwell-heading">Where cars wait</h3>
          <Chart
            id="chart-dwell"
            kind="bars"
            labels={dwell.map((d) => d.label)}
            leftUnit="hours"
            description="Average hours a delivered car spent in each stage before moving on. The same figures are in the table beside."
            series={[{ label: 'Average time in stage (hours)', values: dwell.map((d) => d.averageHours), format: (x) => fmt.hours(x), style: 'solid' }]}
          />
          <DataTable caption="Where cars wait" head={['Stage', 'Cars', 'Average']} rows={dwell.map((d) => [d.label, String(d.count), fmt.hours(d.averageHours)])} />
        </section>

        <section className="panel report-pair" aria-labelledby="csi-heading">
          <h3 id="csi-heading">Customer satisfaction trend</h3>
          <Chart
            id="chart-csi"
            kind="line"
            labels={labels}
            leftUnit="CSI (1–5)"
            rightUnit="NPS"
            description={`Average overall satisfaction (1 to 5) and Net Promoter Score by ${f.trendUnit}. The same figures are in the table beside.`}
            series={[
              { label: 'CSI overall (1–5)', values: f.trend.map((t) => t.csiOverall), format: (x) => x.toFixed(2), style: 'solid' },
              { label: 'NPS', values: f.trend.map((t) => (t.nps === null ? null : Math.max(0, t.nps))), format: (x) => String(Math.round(x)), right: true, style: 'dotted' },
            ]}
          />
          <DataTable caption="Customer satisfaction trend" head={[unit, 'CSI', 'NPS']} rows={f.trend.map((t, i) => [labels[i]!, fmt.num(t.csiOverall), t.nps === null ? '—' : String(Math.round(t.nps))])} />
        </section>

        <section className="panel report-pair" aria-labelledby="messages-heading">
          <h3 id="messages-heading">Messages</h3>
          <Chart
            id="chart-messages"
            kind="bars"
            labels={labels}
            leftUnit="messages"
            description={`Customer messages in and out by ${f.trendUnit}. The same figures are in the table beside.`}
            series={[
              { label: 'From customers', values: f.trend.map((t) => t.inbound), format: (x) => String(x), style: 'solid' },
              { label: 'To customers', values: f.trend.map((t) => t.outbound), format: (x) => String(x), style: 'solid' },
            ]}
          />
          <DataTable caption="Messages" head={[unit, 'In', 'Out']} rows={f.trend.map((t, i) => [labels[i]!, String(t.inbound), String(t.outbound)])} />
          <p className="muted small">
            First reply: median {fmt.minutes(f.messages.firstResponseMedianMinutes)}, average {fmt.minutes(f.messages.firstResponseAverageMinutes)} over {f.messages.answered} answered; {f.messages.unanswered} still unanswered.
            Customer updated within one business day after {fmt.pct(f.communication.percent)} of {f.communication.stageChanges} stage changes.
          </p>
        </section>
      </div>

      <section className="panel" aria-labelledby="staff-heading">
        <h3 id="staff-heading">By staff member</h3>
        <DataTable
          caption="By staff member"
          head={['Staff', 'Delivered', 'Keys-to-keys', 'On time', 'Messages sent', 'First reply']}
          rows={f.staff.map((s) => [names.get(s.staffId) ?? s.staffId, String(s.delivered), fmt.days(s.averageCycleDays), fmt.pct(s.onTimePercent), String(s.messagesSent), fmt.minutes(s.firstResponseAverageMinutes)])}
        />
      </section>
      {f.exceptions.length > 0 ? (
        <section className="panel" aria-labelledby="exceptions-heading">
          <h3 id="exceptions-heading">Exceptions by reason</h3>
          <DataTable caption="Exceptions by reason" head={['Reason', 'Opened']} rows={f.exceptions.map((x) => [x.label, String(x.count)])} />
        </section>
      ) : null}
    </>
  );
}

function Scorecards({ cards, figures, onExport }: { cards: Scorecard[]; figures: ReportFigures; onExport: (insurer: string, format: 'csv' | 'pdf') => void }) {
  if (cards.length === 0) return <p className="panel">No repair was delivered from {formatDay(figures.from, true)} to {formatDay(figures.to, true)}.</p>;
  return (
    <>
      <section className="panel report-pair stacked" aria-labelledby="compare-heading">
        <h3 id="compare-heading">Insurers side by side</h3>
        <Chart
          id="chart-insurers"
          kind="bars"
          labels={cards.map((c) => c.insurer)}
          leftUnit="%"
          description="On-time delivery and customers updated within one business day, per insurer, in percent. The same figures are in the table beside."
          series={[
            { label: 'On time (%)', values: cards.map((c) => c.figures.onTime.percent), format: (x) => `${Math.round(x)}%`, style: 'solid' },
            { label: 'Updated within a business day (%)', values: cards.map((c) => c.figures.communication.percent), format: (x) => `${Math.round(x)}%`, style: 'solid' },
            { label: 'Survey response rate (%)', values: cards.map((c) => c.figures.csi.responseRate), format: (x) => `${Math.round(x)}%`, style: 'solid' },
          ]}
        />
        <DataTable
          caption="Insurers side by side"
          head={['Insurer', 'Delivered', 'CSI', 'NPS', 'Responses', 'Keys-to-keys', 'From notice', 'On time', 'Updated']}
          rows={cards.map(({ insurer, figures: f }) => [
            insurer,
            String(f.delivered),
            fmt.num(f.csi.overall),
            f.csi.nps === null ? '—' : String(Math.round(f.csi.nps)),
            `${f.csi.responses} (${fmt.pct(f.csi.responseRate)})`,
            fmt.days(f.cycle.keysToKeys.averageDays),
            fmt.days(f.cycle.fromFirstNotice.averageDays),
            fmt.pct(f.onTime.percent),
            fmt.pct(f.communication.percent),
          ])}
        />
      </section>
      <div className="scorecard-list">
        {cards.map(({ insurer, figures: f }) => (
          <section key={insurer} className="panel scorecard" aria-label={`Scorecard for ${insurer}`}>
            <h3>{insurer}</h3>
            <dl className="scorecard-figures">
              <dt>CSI overall</dt>
              <dd>{fmt.num(f.csi.overall)}</dd>
              <dt>NPS</dt>
              <dd>{f.csi.nps === null ? '—' : Math.round(f.csi.nps)} ({f.csi.promoters} promoters, {f.csi.detractors} detractors)</dd>
              <dt>Responses</dt>
              <dd>{f.csi.responses} of {f.delivered} ({fmt.pct(f.csi.responseRate)})</dd>
              <dt>Keys-to-keys</dt>
              <dd>{fmt.days(f.cycle.keysToKeys.averageDays)} (from first notice {fmt.days(f.cycle.fromFirstNotice.averageDays)})</dd>
              <dt>On time</dt>
              <dd>{fmt.pct(f.onTime.percent)} ({f.onTime.onTime} of {f.onTime.counted})</dd>
              <dt>Updated within a business day</dt>
              <dd>{fmt.pct(f.communication.percent)} of {f.communication.stageChanges} stage changes</dd>
              <dt>Exceptions</dt>
              <dd>{f.exceptions.length === 0 ? 'none' : f.exceptions.map((x) => `${x.label} ${x.count}`).join(', ')}</dd>
            </dl>
            <div className="actions">
              <button type="button" onClick={() => onExport(insurer, 'csv')} aria-label={`Export the ${insurer} scorecard as CSV`}>CSV</button>
              <button type="button" className="primary" onClick={() => onExport(insurer, 'pdf')} aria-label={`Export the ${insurer} scorecard as PDF`}>PDF for {insurer}</button>
            </div>
          </section>
        ))}
      </div>
    </>
  );
}
