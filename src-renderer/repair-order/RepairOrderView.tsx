// One repair order: its facts, where it stands, the promised date and its history, delays, notes,
// photos and documents, the conversation with the customer, the portal link and everything that
// happened to it in plain words. Follows changes from every desk without a refresh.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { AuditEntry, ExceptionTag, RepairOrderDetail, SubStatus } from '../../src-shared/domain.js';
import { type Stage, STAGE_LABELS, STAGES } from '../../src-shared/stages.js';
import { PromiseDialog } from '../board/MoveDialog.js';
import { promiseAtRisk } from '../board/promise-check.js';
import { useDesk } from '../shared/desk-context.js';
import { deskWords, formatDay, formatMoment, formatMoney, formatPhone, messageOf, today } from '../shared/format.js';
import { FieldProblem, Loading, Problem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import { useShopDay } from '../shared/use-shop-day.js';
import { Conversation } from './Conversation.js';
import { Photos } from './Photos.js';
import { PortalLinkBox } from './PortalLinkBox.js';
import { RoAppointments } from '../scheduling/RoAppointments.js';
import { PrintSection } from './PrintSection.js';
import { SignaturesSection } from '../esign/SignaturesSection.js';
import { TextComposer } from '../texts/TextComposer.js';
import { type MilestoneAsk, MilestoneOffer } from '../drafting/MilestoneOffer.js';
import { isMilestoneStage } from '../../src-shared/drafting/milestones.js';
import { EmailComposer } from '../mail/EmailComposer.js';
import { LogCallButton } from '../calls/LogCallDialog.js';

export function RepairOrderView({ id, draftMilestone }: { id: string; draftMilestone?: Stage }) {
  const { api, go, shop } = useDesk();
  const live = useLive(api, () => api.call('ro-get', { id }), 'all', [id]);
  const activity = useLive(api, () => api.call('audit-list', { roId: id, limit: 100 }), ['audit_events'], [id]);
  const lists = useLive(
    api,
    async () => ({ subStatuses: await api.call('substatus-list', {}), tags: await api.call('exception-tag-list', {}) }),
    ['sub_statuses', 'exception_tags'],
    [],
  );
  const [unreadIds, setUnreadIds] = useState<Set<string>>(new Set());
  const [dateFormOpen, setDateFormOpen] = useState(false);
  // A move to a milestone stage offers a draft to the customer; pressing it asks the text composer.
  // From the board's milestone offer: the draft is asked for as soon as the page opens.
  const [milestone, setMilestone] = useState<{ stage: Stage; asked: MilestoneAsk | null } | null>(draftMilestone ? { stage: draftMilestone, asked: { stage: draftMilestone, n: 1 } } : null);
  // The promised date passes at the shop's midnight: the prompt appears without any edit.
  useShopDay(shop?.timeZone, () => void live.reload());
  useEffect(() => setDateFormOpen(false), [id]);
  const ro = live.data;

  // Opening the repair is reading what the customer wrote: the badge goes, the messages stay marked "New" here.
  const marking = useRef(false);
  useEffect(() => {
    if (!ro || ro.unreadMessages === 0 || marking.current) return;
    const fresh = ro.messages.filter((m) => m.direction === 'in' && !m.read).map((m) => m.id);
    setUnreadIds((prev) => new Set([...prev, ...fresh]));
    marking.current = true;
    api
      .call('message-mark-read', { roId: ro.id })
      .then((r) => live.set(r), () => undefined)
      .finally(() => (marking.current = false));
  }, [api, ro, live.set]);

  useEffect(() => {
    document.getElementById('ro-title')?.focus();
  }, [id]);

  if (!ro) return live.problem ? <Problem text={live.problem} /> : <Loading what="the repair order" />;

  return (
    <div className="screen ro-view">
      <div className="ro-header">
        <button type="button" className="quiet" onClick={() => go({ name: 'board' })}>
          ← Board
        </button>
        <h2 id="ro-title" tabIndex={-1} className="screen-title">
          RO {ro.roNumber} · {ro.customerName}
        </h2>
        <span className={`stage-pill${ro.closed ? ' closed' : ''}`}>
          {STAGE_LABELS[ro.stage]}
          {ro.subStatus ? ` · ${ro.subStatus}` : ''}
        </span>
        {ro.overdue ? (
          <span className="badge badge-overdue">
            <span aria-hidden="true">⚠ </span>Overdue
          </span>
        ) : null}
        <LogCallButton ro={ro} />
      </div>
      <Problem text={live.problem} />
      {ro.overdue && ro.promisedDate && !dateFormOpen ? <DatePassedPrompt ro={ro} onSetDate={() => setDateFormOpen(true)} /> : null}
      <div className="ro-columns">
        <div className="ro-col">
          <section className="panel" aria-labelledby="facts-heading">
            <h3 id="facts-heading">Repair</h3>
            <dl className="facts">
              <dt>Customer</dt>
              <dd>
                {ro.customerName}
                {ro.customer.mobile ? <div>{formatPhone(ro.customer.mobile)}</div> : null}
                {ro.customer.smsOptedOut ? <div className="badge badge-opted-out">Opted out of texts (replied STOP)</div> : null}
                {ro.customer.email ? <div>{ro.customer.email}</div> : null}
              </dd>
              <dt>Vehicle</dt>
              <dd>
                {/* The label already names the colour ("2019 Blue Honda Civic"). */}
                {ro.vehicle || '—'}
              </dd>
              <dt>{deskWords().plate}</dt>
              <dd>{ro.plate ?? '—'}</dd>
              <dt>VIN</dt>
              <dd className="mono">{ro.vin ?? '—'}</dd>
              <dt>{deskWords().insurer}</dt>
              <dd>{ro.insurer ?? 'Customer pay'}</dd>
              <dt>Claim</dt>
              <dd>{ro.claimNumber ?? '—'}</dd>
              <dt>{deskWords().adjuster}</dt>
              <dd>{[ro.adjusterName, ro.adjusterPhone, ro.adjusterEmail].filter(Boolean).join(' · ') || '—'}</dd>
              <dt>{deskWords().deductible}</dt>
              <dd>{ro.deductibleCents !== null ? formatMoney(ro.deductibleCents) : '—'}</dd>
              <dt>Checked in</dt>
              <dd>{formatMoment(ro.checkedInAt)}</dd>
              <dt>Assigned</dt>
              <dd>
                <AssignSelect ro={ro} onChanged={live.set} />
              </dd>
              <dt>Customer's time</dt>
              <dd>
                <CustomerZoneSelect ro={ro} onChanged={live.set} />
              </dd>
            </dl>
          </section>
          <StageSection ro={ro} subStatuses={lists.data?.subStatuses ?? []} onChanged={live.set} onMoved={(stage) => setMilestone(isMilestoneStage(stage) ? { stage, asked: null } : null)} />
          {milestone ? (
            <MilestoneOffer
              ro={ro}
              stage={milestone.stage}
              onDraft={() => setMilestone({ stage: milestone.stage, asked: { stage: milestone.stage, n: (milestone.asked?.n ?? 0) + 1 } })}
              onDismiss={() => setMilestone(null)}
            />
          ) : null}
          <PromisedSection ro={ro} onChanged={live.set} open={dateFormOpen} setOpen={setDateFormOpen} />
        </div>
        <div className="ro-col">
          <Conversation ro={ro} unreadIds={unreadIds} onChanged={live.set} />
          <TextComposer ro={ro} onChanged={live.set} milestone={milestone?.asked ?? null} />
          <EmailComposer ro={ro} onChanged={live.set} />
          <ExceptionsSection ro={ro} tags={lists.data?.tags ?? []} onChanged={live.set} />
          <NotesSection ro={ro} onChanged={live.set} />
        </div>
        <div className="ro-col">
          <PortalLinkBox ro={ro} onChanged={live.set} />
          <RoAppointments roId={ro.id} />
          <PrintSection ro={ro} />
          <SignaturesSection ro={ro} />
          <Photos ro={ro} onChanged={live.set} />
          <ActivitySection entries={activity.data} problem={activity.problem} />
        </div>
      </div>
    </div>
  );
}

function AssignSelect({ ro, onChanged }: { ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void }) {
  const { api, staff } = useDesk();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <select
        aria-label="Assigned to"
        value={ro.assignedStaffId ?? ''}
        onChange={(e) => {
          api.call('ro-update', { id: ro.id, assignedStaffId: e.target.value || null }).then(onChanged, (err) => setProblem(messageOf(err)));
        }}
      >
        <option value="">Nobody yet</option>
        {staff.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
      {problem ? <p className="field-problem">{problem}</p> : null}
    </>
  );
}

/** US zones first: a customer who moved away is usually still in the country. */
const CUSTOMER_ZONES: Array<[string, string]> = [
  ['America/New_York', 'Eastern'],
  ['America/Chicago', 'Central'],
  ['America/Denver', 'Mountain'],
  ['America/Phoenix', 'Arizona'],
  ['America/Los_Angeles', 'Pacific'],
  ['America/Anchorage', 'Alaska'],
  ['Pacific/Honolulu', 'Hawaii'],
];

/** Where the customer lives, for automated texts (08:00–21:00 by their clock); the shop's zone unless set. */
function CustomerZoneSelect({ ro, onChanged }: { ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void }) {
  const { api, shop } = useDesk();
  const [problem, setProblem] = useState<string | null>(null);
  const zones = ro.customer.timeZone && !CUSTOMER_ZONES.some(([z]) => z === ro.customer.timeZone) ? [...CUSTOMER_ZONES, [ro.customer.timeZone, ro.customer.timeZone] as [string, string]] : CUSTOMER_ZONES;
  return (
    <>
      <select
        aria-label="Customer's time zone"
        value={ro.customer.timeZone ?? ''}
        disabled={!ro.customer.id}
        onChange={(e) => {
          api
            .call('customer-update', { id: ro.customer.id, timeZone: e.target.value || null })
            .then(() => api.call('ro-get', { id: ro.id }))
            .then(onChanged, (err) => setProblem(messageOf(err)));
        }}
      >
        <option value="">The shop's{shop ? ` (${shop.timeZone.split('/').pop()!.replace(/_/g, ' ')})` : ''}</option>
        {zones.map(([zone, label]) => (
          <option key={zone} value={zone}>
            {label === zone ? zone : `${label} (${zone})`}
          </option>
        ))}
      </select>
      {problem ? <p className="field-problem">{problem}</p> : null}
    </>
  );
}

function StageSection({ ro, subStatuses, onChanged, onMoved }: { ro: RepairOrderDetail; subStatuses: SubStatus[]; onChanged(ro: RepairOrderDetail): void; onMoved(stage: Stage): void }) {
  const { api, announce } = useDesk();
  const [stage, setStage] = useState<Stage>(ro.stage);
  const [sub, setSub] = useState('');
  const [asking, setAsking] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setStage(ro.stage), [ro.stage]);
  const subs = subStatuses.filter((s) => s.stage === stage && s.active);

  async function save(promise?: { date: string; reason: string }): Promise<string | null> {
    try {
      if (promise) await api.call('ro-change-promised-date', { id: ro.id, date: promise.date, reason: promise.reason });
      onChanged(await api.call('ro-move-stage', { id: ro.id, stage, subStatusId: sub || null }));
      announce(`RO ${ro.roNumber} moved to ${STAGE_LABELS[stage]}.`);
      if (stage !== ro.stage) onMoved(stage);
      setSub('');
      setProblem(null);
      return null;
    } catch (err) {
      const text = messageOf(err);
      setProblem(text);
      return text;
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const risk = stage !== ro.stage ? promiseAtRisk(ro.promisedDate, stage, today()) : null;
    if (risk) setAsking(risk);
    else void save();
  }

  return (
    <section className="panel" aria-labelledby="stage-heading">
      <h3 id="stage-heading">Stage</h3>
      <form className="row" onSubmit={submit}>
        <label className="field">
          <span>Stage</span>
          <select value={stage} onChange={(e) => setStage(e.target.value as Stage)}>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {STAGE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Sub-status</span>
          <select value={sub} onChange={(e) => setSub(e.target.value)} disabled={subs.length === 0}>
            <option value="">None</option>
            {subs.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="align-end" disabled={stage === ro.stage && sub === ''}>
          Move
        </button>
      </form>
      <FieldProblem text={problem} />
      <ol className="timeline" aria-label="Stage history">
        {ro.timeline.map((t) => (
          <li key={t.id}>
            <strong>{STAGE_LABELS[t.stage]}</strong>
            {t.subStatus ? ` · ${t.subStatus}` : ''}
            <span className="muted small">
              {' '}
              {formatMoment(t.at)}
              {t.staffName ? ` · ${t.staffName}` : ''}
            </span>
          </li>
        ))}
      </ol>
      {asking ? (
        <PromiseDialog
          ro={ro}
          stage={stage}
          suggested={asking}
          onCancel={() => setAsking(null)}
          onSave={async (date, reason) => {
            const failed = await save({ date, reason });
            if (!failed) setAsking(null);
            return failed;
          }}
        />
      ) : null}
    </section>
  );
}

/**
 * The promised day is over and the car is not finished: the customer's page now says the date
 * passed and that the shop will confirm a new one, so the desk is asked to set it.
 */
function DatePassedPrompt({ ro, onSetDate }: { ro: RepairOrderDetail; onSetDate(): void }) {
  return (
    <div className="notice notice-warn date-passed" role="region" aria-label="Promised date passed">
      <p>
        <span aria-hidden="true">⚠ </span>The promised date passed on <strong>{formatDay(ro.promisedDate, true)}</strong>; the customer's page says
        you will confirm a new one.
      </p>
      <button type="button" className="primary" onClick={onSetDate}>
        Set a new date
      </button>
    </div>
  );
}

function PromisedSection({
  ro,
  onChanged,
  open,
  setOpen,
}: {
  ro: RepairOrderDetail;
  onChanged(ro: RepairOrderDetail): void;
  open: boolean;
  setOpen(open: boolean): void;
}) {
  const { api } = useDesk();
  const [date, setDate] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      onChanged(await api.call('ro-change-promised-date', { id: ro.id, date, reason }));
      setOpen(false);
      setDate('');
      setReason('');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <section className="panel" aria-labelledby="promised-heading">
      <h3 id="promised-heading">Promised date</h3>
      <p className={ro.overdue ? 'big overdue' : 'big'}>
        {ro.promisedDate ? formatDay(ro.promisedDate, true) : 'Not promised yet'}
        {ro.overdue ? ' (overdue)' : ''}
      </p>
      {open ? (
        <form onSubmit={(e) => void submit(e)} className="stack">
          <label className="field">
            <span>New promised date</span>
            {/* Opened from the date-passed prompt at the top too: the field takes the focus (and scrolls into view). */}
            <input type="date" required autoFocus value={date} onChange={(e) => setDate(e.target.value)} />
          </label>
          <label className="field">
            <span>Reason (the customer reads this)</span>
            <input required value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div className="actions">
            <button type="submit" className="primary">
              Save date
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
          <FieldProblem text={problem} />
        </form>
      ) : (
        <button type="button" onClick={() => setOpen(true)}>
          Change promised date
        </button>
      )}
      {ro.promisedDateHistory.length > 0 ? (
        <ol className="history" aria-label="Promised date history">
          {ro.promisedDateHistory.map((h) => (
            <li key={h.id}>
              {h.fromDate ? (
                <>
                  <s>{formatDay(h.fromDate)}</s> → <strong>{formatDay(h.toDate)}</strong>
                </>
              ) : (
                <strong>{formatDay(h.toDate)}</strong>
              )}{' '}
              — {h.reason}
              <span className="muted small">
                {' '}
                ({formatMoment(h.at)}
                {h.staffName ? `, ${h.staffName}` : ''})
              </span>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function ExceptionsSection({ ro, tags, onChanged }: { ro: RepairOrderDetail; tags: ExceptionTag[]; onChanged(ro: RepairOrderDetail): void }) {
  const { api } = useDesk();
  const [tag, setTag] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const open = ro.exceptions.filter((e) => !e.resolvedAt);
  const resolved = ro.exceptions.filter((e) => e.resolvedAt);

  async function add(e: FormEvent) {
    e.preventDefault();
    if (!tag) return setProblem('Choose the tag that fits the delay.');
    try {
      onChanged(await api.call('exception-add', { roId: ro.id, tag, note: note.trim() || null }));
      setTag('');
      setNote('');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <section className="panel" aria-labelledby="exceptions-heading">
      <h3 id="exceptions-heading">Delays and exceptions</h3>
      {open.length === 0 ? <p className="muted">No open delays.</p> : null}
      <ul className="exception-list">
        {open.map((x) => (
          <li key={x.id}>
            <span className="tag">{x.tag}</span> {x.reasonLabel}
            {x.note ? <span className="muted"> — {x.note}</span> : null}
            <span className="muted small"> since {formatMoment(x.openedAt)}</span>{' '}
            <button
              type="button"
              className="quiet"
              onClick={() => api.call('exception-resolve', { id: x.id }).then(onChanged, (err) => setProblem(messageOf(err)))}
            >
              Resolve <span className="visually-hidden">{x.tag}</span>
            </button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={(e) => void add(e)}>
        <label className="field">
          <span>Tag</span>
          <select value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">Choose…</option>
            {tags.map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} — {t.reasonLabel}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Note (internal)</span>
          <input value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
        </label>
        <button type="submit" className="align-end">
          Add
        </button>
      </form>
      <FieldProblem text={problem} />
      {resolved.length > 0 ? (
        <details>
          <summary>{resolved.length} resolved</summary>
          <ul className="exception-list">
            {resolved.map((x) => (
              <li key={x.id} className="muted">
                {x.tag} {x.reasonLabel} · resolved {formatMoment(x.resolvedAt)}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function NotesSection({ ro, onChanged }: { ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void }) {
  const { api } = useDesk();
  const [body, setBody] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  async function add(e: FormEvent) {
    e.preventDefault();
    if (!body.trim()) return;
    try {
      onChanged(await api.call('note-add', { roId: ro.id, body }));
      setBody('');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }
  return (
    <section className="panel" aria-labelledby="notes-heading">
      <h3 id="notes-heading">Internal notes</h3>
      <p className="muted small">Only the shop sees these.</p>
      <ol className="notes">
        {ro.notes.map((n) => (
          <li key={n.id}>
            <p className="note-body">{n.body}</p>
            <p className="muted small">
              {n.staffName ?? 'Front desk'} · {formatMoment(n.at)}
            </p>
          </li>
        ))}
      </ol>
      <form onSubmit={(e) => void add(e)} className="stack">
        <label htmlFor="note-body">Add a note</label>
        <textarea id="note-body" rows={2} value={body} maxLength={10000} onChange={(e) => setBody(e.target.value)} />
        <div className="actions">
          <button type="submit" disabled={!body.trim()}>
            Add note
          </button>
        </div>
        <FieldProblem text={problem} />
      </form>
    </section>
  );
}

function ActivitySection({ entries, problem }: { entries: AuditEntry[] | null; problem: string | null }) {
  return (
    <section className="panel" aria-labelledby="activity-heading">
      <h3 id="activity-heading">Activity</h3>
      {problem ? <p className="field-problem">{problem}</p> : null}
      {entries === null ? <p className="muted">Loading…</p> : null}
      {entries?.length === 0 ? <p className="muted">Nothing recorded yet.</p> : null}
      {/* Scrolls on its own, so it takes the focus to be scrolled by keyboard. */}
      <ol className="activity" aria-label="What happened to this repair" tabIndex={0}>
        {entries?.map((a) => (
          <li key={a.id}>
            <span className="muted small">{formatMoment(a.at)}</span> <strong>{a.actorName}</strong>: {a.summary}
          </li>
        ))}
      </ol>
    </section>
  );
}
