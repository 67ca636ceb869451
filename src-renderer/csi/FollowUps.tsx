// Follow-ups (issue 18): every low survey score, on every desk as soon as the relay hears it. Staff
// record each contact (who called, when, what was agreed) and close it as resolved; the time from
// the score to the first contact is shown. Referrals follow: who sent whom, and the shop's thank-you.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { FollowUp, FollowUpList, ReferralEntry } from '../../src-shared/csi/desk-api.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, formatPhone, messageOf, plural } from '../shared/format.js';
import { FieldProblem, Loading, Problem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import './csi.css';

const FOLLOW_UP_TABLES = ['csi_follow_ups', 'csi_follow_up_entries', 'csi_responses', 'repair_orders', 'customers', 'staff'];

function minutesWords(m: number | null): string {
  if (m === null) return 'not yet contacted';
  if (m < 60) return `${plural(m, 'minute')} to first contact`;
  const h = Math.round(m / 6) / 10;
  return h < 48 ? `${h} hours to first contact` : `${Math.round(h / 24)} days to first contact`;
}

export function FollowUps() {
  const { api } = useDesk();
  const list = useLive(api, () => api.call('csi-follow-ups-list', { include: 'all' }), FOLLOW_UP_TABLES, []);
  const referrals = useLive(api, () => api.call('csi-referrals-list', {}), ['referrals', 'customers', 'repair_orders', 'staff'], []);
  if (!list.data) return list.problem ? <Problem text={list.problem} /> : <Loading what="follow-ups" />;
  const open = list.data.followUps.filter((f) => !f.closedAt);
  const closed = list.data.followUps.filter((f) => f.closedAt);
  return (
    <main className="screen follow-ups" aria-labelledby="follow-ups-title">
      <h2 id="follow-ups-title" className="screen-title">
        Follow-ups
      </h2>
      <p className="muted">
        Customers whose survey score was at or under the shop’s threshold. Call them, note what was agreed, and close it once resolved.
        {list.data.medianMinutesToFirstContact !== null ? ` Typical time to first contact: ${minutesWords(list.data.medianMinutesToFirstContact).replace(' to first contact', '')}.` : ''}
      </p>
      {open.length === 0 ? <p className="notice notice-ok">No open follow-ups.</p> : null}
      <ol className="plain-list" aria-label="Open follow-ups">
        {open.map((f) => (
          <FollowUpCard key={f.id} followUp={f} onChanged={list.set} />
        ))}
      </ol>
      {closed.length ? (
        <details>
          <summary>Closed ({closed.length})</summary>
          <ol className="plain-list" aria-label="Closed follow-ups">
            {closed.map((f) => (
              <FollowUpCard key={f.id} followUp={f} onChanged={list.set} />
            ))}
          </ol>
        </details>
      ) : null}
      <Referrals entries={referrals.data ?? []} onChanged={referrals.set} />
    </main>
  );
}

function FollowUpCard({ followUp: f, onChanged }: { followUp: FollowUp; onChanged(l: FollowUpList): void }) {
  const { api, announce, go } = useDesk();
  const [contact, setContact] = useState('');
  const [agreed, setAgreed] = useState('');
  const [resolution, setResolution] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const key = f.id.replace(/\W/g, '-');

  async function record(e: FormEvent) {
    e.preventDefault();
    try {
      onChanged(await api.call('csi-follow-up-contact', { id: f.id, contact, agreed }));
      setContact('');
      setAgreed('');
      setProblem(null);
      announce('Contact recorded.');
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function close(e: FormEvent) {
    e.preventDefault();
    try {
      onChanged(await api.call('csi-follow-up-close', { id: f.id, resolution }));
      setProblem(null);
      announce('Follow-up closed as resolved.');
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <li className={f.closedAt ? 'follow-up closed' : 'follow-up'} aria-labelledby={`fu-${key}`}>
      <h3 id={`fu-${key}`}>
        {f.customerName} · <button type="button" className="link-button" onClick={() => go({ name: 'repair-order', id: f.roId })}>RO {f.roNumber ?? '—'}</button>
      </h3>
      <p className="scores">
        <span>Overall {f.overall ?? '—'} of 5</span>
        <span>Recommend {f.recommend ?? '—'} of 10</span>
        {f.customerPhone ? <span>{formatPhone(f.customerPhone) || f.customerPhone}</span> : null}
      </p>
      {f.comment ? <blockquote>“{f.comment}”</blockquote> : null}
      <p className="muted">
        Scored {formatMoment(f.openedAt)} · {minutesWords(f.minutesToFirstContact)}
      </p>
      {f.entries.length ? (
        <ul className="entries" aria-label="Contacts">
          {f.entries.map((e) => (
            <li key={e.id}>
              {formatMoment(e.at)} · {e.staffName ?? 'Someone at the desk'}: {e.contact}
              {e.agreed ? ` — agreed: ${e.agreed}` : ''}
            </li>
          ))}
        </ul>
      ) : null}
      {f.closedAt ? (
        <p>
          Closed {formatMoment(f.closedAt)} by {f.closedBy}: {f.resolution}
        </p>
      ) : (
        <>
          <form aria-label={`Record a contact with ${f.customerName}`} onSubmit={(e) => void record(e)}>
            <label className="field">
              <span>Contact (who called, how)</span>
              <input type="text" required maxLength={500} value={contact} onChange={(e) => setContact(e.target.value)} />
            </label>
            <label className="field">
              <span>What was agreed</span>
              <input type="text" maxLength={2000} value={agreed} onChange={(e) => setAgreed(e.target.value)} />
            </label>
            <div className="row">
              <button type="submit">Record contact</button>
            </div>
          </form>
          <form aria-label={`Close the follow-up with ${f.customerName}`} onSubmit={(e) => void close(e)}>
            <label className="field">
              <span>How it was resolved</span>
              <input type="text" required minLength={3} maxLength={2000} value={resolution} onChange={(e) => setResolution(e.target.value)} />
            </label>
            <div className="row">
              <button type="submit">Close as resolved</button>
            </div>
          </form>
        </>
      )}
      <FieldProblem text={problem} />
    </li>
  );
}

function Referrals({ entries, onChanged }: { entries: ReferralEntry[]; onChanged(r: ReferralEntry[]): void }) {
  return (
    <section aria-labelledby="referrals-title">
      <h2 id="referrals-title" className="screen-title">
        Referrals
      </h2>
      <p className="muted">Bookings and check-ins that came through a customer’s own link. Thank-yous are the shop’s choice; nothing is ever offered for a review.</p>
      {entries.length === 0 ? (
        <p className="notice">No referrals yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Referred by</th>
              <th scope="col">New customer</th>
              <th scope="col">When</th>
              <th scope="col">Repair</th>
              <th scope="col">Thank-you</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((r) => (
              <ReferralRow key={r.id} entry={r} onChanged={onChanged} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ReferralRow({ entry: r, onChanged }: { entry: ReferralEntry; onChanged(r: ReferralEntry[]): void }) {
  const { api, announce } = useDesk();
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  async function thank(e: FormEvent) {
    e.preventDefault();
    try {
      onChanged(await api.call('csi-referral-thank', { id: r.id, note }));
      announce(`Thank-you to ${r.referrerName} recorded.`);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }
  return (
    <tr>
      <td>{r.referrerName}</td>
      <td>{r.name}</td>
      <td>{formatMoment(r.creditedAt)}</td>
      <td>{r.roNumber ? `RO ${r.roNumber}` : 'Booked, not checked in yet'}</td>
      <td>
        {r.thankedAt ? (
          `Thanked ${formatMoment(r.thankedAt)} by ${r.thankedBy}${r.thankNote ? `: ${r.thankNote}` : ''}`
        ) : (
          <form aria-label={`Thank ${r.referrerName}`} onSubmit={(e) => void thank(e)}>
            <input type="text" aria-label="Thank-you note" placeholder="Card, call…" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
            <button type="submit">Record thank-you</button>
            <FieldProblem text={problem} />
          </form>
        )}
      </td>
    </tr>
  );
}

/** The tab's count of open follow-ups. */
export function FollowUpCount() {
  const { api } = useDesk();
  const list = useLive(api, () => api.call('csi-follow-ups-list', { include: 'open' }), ['csi_follow_ups'], []);
  const n = list.data?.open ?? 0;
  return n > 0 ? <span className="badge" aria-label={`${plural(n, 'open follow-up')}`}>{n}</span> : null;
}

/**
 * The alert every desk shows at once when a customer scores low and nobody has reached them yet:
 * a banner above the screen until someone records a contact, announced to screen readers once.
 */
export function LowScoreAlert({ onOpen }: { onOpen(): void }) {
  const { api, announce } = useDesk();
  const list = useLive(api, () => api.call('csi-follow-ups-list', { include: 'open' }), ['csi_follow_ups', 'csi_responses'], []);
  const waiting = (list.data?.followUps ?? []).filter((f) => !f.firstContactAt);
  const seen = useRef<Set<string> | null>(null);
  useEffect(() => {
    if (!list.data) return;
    const ids = new Set(waiting.map((f) => f.id));
    if (seen.current) {
      const fresh = waiting.filter((f) => !seen.current!.has(f.id));
      if (fresh.length) announce(`Low survey score: ${fresh.map((f) => `${f.customerName}, RO ${f.roNumber}`).join('; ')}.`);
    }
    seen.current = ids;
  }, [list.data]); // eslint-disable-line react-hooks/exhaustive-deps
  if (waiting.length === 0) return null;
  const first = waiting[0]!;
  return (
    <div role="alert" className="notice notice-problem low-score-alert" data-testid="low-score-alert">
      <span>
        Low survey score: <strong>{first.customerName}</strong>, RO {first.roNumber} (overall {first.overall ?? '—'} of 5, recommend {first.recommend ?? '—'} of 10)
        {waiting.length > 1 ? ` and ${plural(waiting.length - 1, 'other')}` : ''}. Nobody has called yet.
      </span>
      <button type="button" onClick={onOpen}>
        Open follow-ups
      </button>
    </div>
  );
}
