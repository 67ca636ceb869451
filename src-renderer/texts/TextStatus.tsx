// How a text stands, in the shop's words, and what a person can do about it from the conversation:
// a draft is sent (approved) or discarded; a text whose outcome the relay could not know is
// answered "it arrived" or "it did not".
import { useState } from 'react';
import type { Message, RepairOrderDetail } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { useSendText } from './send-text.js';
import { FieldProblem } from '../shared/Notice.js';

const STATUS: Record<string, string> = {
  draft: 'Draft, not sent',
  approved: 'Approved, sending…',
  held: 'Waiting for texting hours',
  sending: 'Sending…',
  queued: 'With the carrier',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Not delivered',
  refused: 'Not sent',
  'check-needed': 'Check needed',
  received: 'Received',
};

/** Whether a text's state is bad news a person should see at a glance. */
const TROUBLE = new Set(['failed', 'refused', 'check-needed']);

export function textStatusLabel(status: string | null): string {
  if (!status) return '';
  return STATUS[status] ?? status;
}

export function TextState({ m }: { m: Message }) {
  if (m.channel !== 'sms' || !m.status || m.status === 'received') return null;
  return (
    <span className={`text-state text-state-${m.status}${TROUBLE.has(m.status) ? ' text-state-trouble' : ''}`}>
      {TROUBLE.has(m.status) ? <span aria-hidden="true">⚠ </span> : null}
      {textStatusLabel(m.status)}
    </span>
  );
}

export function TextActions({ m, ro, onChanged }: { m: Message; ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void }) {
  const { api, announce } = useDesk();
  const [problem, setProblem] = useState<string | null>(null);
  const { send, sending, problem: sendProblem, confirmDialog } = useSendText(onChanged);
  if (m.channel !== 'sms') return null;

  const detail = m.statusDetail && m.status !== 'draft' ? <p className="text-detail">{m.statusDetail}</p> : null;

  if (m.status === 'draft') {
    return (
      <div className="text-actions">
        <button type="button" className="primary" disabled={sending || ro.customer.smsOptedOut} onClick={() => void send({ roId: ro.id, draftId: m.id })}>
          Send draft
        </button>
        <button
          type="button"
          onClick={() =>
            api.call('sms-draft-discard', { id: m.id }).then(
              (next) => {
                onChanged(next);
                announce('Draft discarded.');
              },
              (err) => setProblem(messageOf(err)),
            )
          }
        >
          Discard
        </button>
        {sendProblem || problem ? (
          <p role="alert" className="field-problem">
            {sendProblem ?? problem}
          </p>
        ) : null}
        {confirmDialog}
      </div>
    );
  }

  if (m.status === 'check-needed') {
    const resolve = (outcome: 'sent' | 'not-sent') =>
      api.call('sms-check-resolve', { id: m.id, outcome }).then(
        (next) => {
          onChanged(next);
          announce(outcome === 'sent' ? 'Marked as received by the customer.' : 'Marked as not sent.');
        },
        (err) => setProblem(messageOf(err)),
      );
    return (
      <div className="text-actions" role="group" aria-label="Did the customer get this text?">
        <p className="text-detail">
          {m.statusDetail ??
            'Bayline could not tell whether this text went out. Ask the customer, then say what happened. It is never sent again on its own.'}
        </p>
        <button type="button" onClick={() => void resolve('sent')}>
          It arrived
        </button>
        <button type="button" onClick={() => void resolve('not-sent')}>
          It did not arrive
        </button>
        <FieldProblem text={problem} />
      </div>
    );
  }
  return detail;
}
