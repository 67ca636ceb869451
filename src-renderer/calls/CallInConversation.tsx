// Calls in a repair's conversation: each call a line among the texts and messages, at its time
// (who called whom, why, how it went, how long), so the thread tells the whole story.
import type { CallEntry, CallReason } from '../../src-shared/calls/words.js';
import { CALL_REASONS, describeDuration, PARTY_LABELS, REASON_SHORT } from '../../src-shared/calls/words.js';
import type { Message } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, formatPhone } from '../shared/format.js';
import { useLive } from '../shared/use-live.js';

export type ThreadItem = { kind: 'message'; m: Message; at: string } | { kind: 'call'; c: CallEntry; at: string };

/** The repair's calls, kept up to date from every desk. */
export function useRoCalls(roId: string): CallEntry[] {
  const { api } = useDesk();
  return useLive(api, () => api.call('call-list', { roId }), ['calls'], [roId]).data ?? [];
}

/** Messages and calls in time order (the messages keep their own order among themselves). */
export function thread(messages: Message[], calls: CallEntry[]): ThreadItem[] {
  const items: ThreadItem[] = messages.map((m) => ({ kind: 'message', m, at: m.at }));
  for (const c of [...calls].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    const i = items.findIndex((x) => x.at > c.startedAt);
    const item: ThreadItem = { kind: 'call', c, at: c.startedAt };
    if (i === -1) items.push(item);
    else items.splice(i, 0, item);
  }
  return items;
}

export function CallInConversation({ c }: { c: CallEntry }) {
  const who = c.party ? PARTY_LABELS[c.party] : c.peerNumber ? formatPhone(c.peerNumber) : 'Caller';
  const what =
    c.state === 'missed'
      ? `Missed call from ${c.peerNumber ? formatPhone(c.peerNumber) : who}`
      : c.direction === 'in'
        ? `${who} called${c.source === 'phone' && c.peerNumber ? ` from ${formatPhone(c.peerNumber)}` : ''}`
        : `Call to the ${who.toLowerCase()}${c.loggedBy ? ` by ${c.loggedBy}` : ''}`;
  const facts = [c.reason ? REASON_SHORT[c.reason] : c.source === 'phone' ? 'Reason not noted yet' : null, describeDuration(c.durationSeconds) || null, c.state === 'ringing' ? 'Ringing…' : null].filter(Boolean);
  return (
    <li className={`message message-call call-${c.state}`} aria-label={`Call: ${what}`}>
      <p className="message-meta">
        <span className="call-icon" aria-hidden="true">
          ☎
        </span>{' '}
        <strong>{what}</strong> · {formatMoment(c.startedAt)}
        {facts.length ? ` · ${facts.join(' · ')}` : ''}
        {c.state === 'missed' && !c.handled ? <span className="badge badge-overdue">Not called back</span> : null}
      </p>
      {c.reason === null && c.state !== 'ringing' ? <SortCall c={c} /> : null}
      {c.outcome || c.note ? (
        <p className="message-body">
          {c.outcome}
          {c.outcome && c.note ? ' — ' : ''}
          {c.note}
        </p>
      ) : null}
    </li>
  );
}

/** A call the relay logged has no reason yet: one pick sorts it (the counts then include it). */
function SortCall({ c }: { c: CallEntry }) {
  const { api, announce } = useDesk();
  return (
    <label className="field-inline">
      What was it about?
      <select
        value=""
        onChange={(e) =>
          void api.call('call-update', { id: c.id, reason: e.target.value as CallReason }).then(
            () => announce('Call sorted.'),
            () => announce('The call could not be sorted; try again.'),
          )
        }
      >
        <option value="" disabled>
          Reason…
        </option>
        {CALL_REASONS.map((r) => (
          <option key={r} value={r}>
            {REASON_SHORT[r]}
          </option>
        ))}
      </select>
    </label>
  );
}
