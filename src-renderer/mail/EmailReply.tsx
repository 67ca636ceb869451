// Answering a mail from the repair: "Reply" under a received mail opens a box (reply all when
// others were on it, a template with the repair's fields filled in, the repair's documents); Send
// is the person's approval, and the relay sends it once from the shop's mailbox in the same thread.
// The reply's state (sending, sent, or what went wrong) shows in its header. Under a mail the
// relay could not be sure about ("check needed") a person answers: it is in Sent, or send it again
// (a new mail; the old one is marked not sent).
import { type FormEvent, useState } from 'react';
import type { Message, RepairOrderDetail } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import { attachmentsTooLarge, DocumentPicker } from './DocumentPicker.js';
import { DraftFacts, useDraft } from '../drafting/use-draft.js';

const STATUS: Record<string, string> = {
  approved: 'Approved, sending…',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not delivered',
  'not-sent': 'Not sent',
  'check-needed': 'Check needed',
};

export function EmailState({ m }: { m: Message }) {
  if (!m.email || m.direction !== 'out' || !m.status) return null;
  const trouble = m.status === 'failed' || m.status === 'check-needed';
  // Approved and waiting (a file still on its way to the relay) says why.
  const detail = (trouble || m.status === 'approved' || m.status === 'not-sent') && m.statusDetail ? `: ${m.statusDetail}` : '';
  return (
    <span className={`text-state${trouble ? ' text-state-trouble' : ''}`}>
      {trouble ? <span aria-hidden="true">⚠ </span> : null}
      {STATUS[m.status] ?? m.status}
      {detail}
    </span>
  );
}

/** "Reply" under a received mail; the check-needed answers under a sent one. */
export function EmailReply({ m, ro, onChanged }: { m: Message; ro: RepairOrderDetail; onChanged: (ro: RepairOrderDetail) => void }) {
  if (m.email && m.direction === 'out' && m.status === 'check-needed') return <EmailCheckActions m={m} onChanged={onChanged} />;
  // (Nobody answers a delivery report: the mailer-daemon reads nothing.)
  if (!m.email || m.direction !== 'in' || m.status === 'bounce') return null;
  return <ReplyBox m={m} ro={ro} onChanged={onChanged} />;
}

function EmailCheckActions({ m, onChanged }: { m: Message; onChanged: (ro: RepairOrderDetail) => void }) {
  const { api, announce } = useDesk();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function answer(outcome: 'sent' | 'send-again') {
    setBusy(true);
    try {
      onChanged(await api.call('mail-check-resolve', { id: m.id, outcome }));
      announce(outcome === 'sent' ? 'Email marked as sent.' : 'A new copy of the email is approved and being sent.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="stack" role="group" aria-label={`Check the email ${m.email?.subject ?? ''}`}>
      <p className="muted small">Look in the Sent folder of the shop’s mailbox for “{m.email?.subject || '(no subject)'}”.</p>
      <div className="row">
        <button type="button" className="small" disabled={busy} onClick={() => void answer('sent')}>
          It is in Sent — mark as sent
        </button>
        <button type="button" className="small" disabled={busy} onClick={() => void answer('send-again')}>
          Not in Sent — send again
        </button>
      </div>
      <FieldProblem text={problem} />
    </div>
  );
}

function ReplyBox({ m, ro, onChanged }: { m: Message; ro: RepairOrderDetail; onChanged: (ro: RepairOrderDetail) => void }) {
  const { api } = useDesk();
  const mailboxes = useLive(api, () => api.call('mail-mailbox-list', {}), ['mailboxes'], []);
  const templates = useLive(api, () => api.call('email-template-list', {}), ['email_templates', 'workspace_settings'], []);
  const [open, setOpen] = useState(false);
  const [body, setBody] = useState('');
  const [replyAll, setReplyAll] = useState(false);
  const [templateId, setTemplateId] = useState('');
  const [files, setFiles] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const to = m.email?.from?.address ?? '';
  const own = new Set((mailboxes.data ?? []).map((b) => b.address.toLowerCase()));
  const others = [...(m.email?.to ?? []), ...(m.email?.cc ?? [])].filter((p) => !own.has(p.address.toLowerCase()) && p.address.toLowerCase() !== to.toLowerCase());
  const fromAdjuster = !!ro.adjusterEmail && ro.adjusterEmail.toLowerCase() === to.toLowerCase();
  const drafting = useDraft({
    roId: ro.id,
    channel: 'email',
    recipient: fromAdjuster ? 'adjuster' : 'customer',
    body,
    onText: (text) => {
      setTemplateId('');
      setBody(text);
    },
    onDone: () => undefined,
  });

  async function pickTemplate(id: string) {
    setTemplateId(id);
    if (!id) return;
    try {
      setBody((await api.call('mail-merge-preview', { roId: ro.id, templateId: id })).body);
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function send(e: FormEvent) {
    e.preventDefault();
    await drafting.guardSend(() => void sendNow());
  }

  async function sendNow() {
    setSending(true);
    try {
      onChanged(
        await api.call('mail-reply', { roId: ro.id, replyToId: m.id, body, replyAll: replyAll && others.length > 0, attachmentIds: files, ...(templateId ? { templateId } : {}) }),
      );
      setBody('');
      setFiles([]);
      setTemplateId('');
      setOpen(false);
      setProblem(null);
      drafting.reset();
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setSending(false);
    }
  }

  if (!open) {
    return (
      <div className="row">
        <button type="button" className="small" onClick={() => setOpen(true)}>
          Reply
        </button>
        <button
          type="button"
          className="small"
          onClick={() => {
            setOpen(true);
            void drafting.draft({ replyToId: m.id });
          }}
        >
          Draft an answer
        </button>
      </div>
    );
  }
  const active = (templates.data ?? []).filter((t) => t.active);
  return (
    <form className="stack" onSubmit={(e) => void send(e)} aria-label={`Reply to ${to}`}>
      {others.length > 0 ? (
        <label className="field-inline">
          <input type="checkbox" checked={replyAll} onChange={(e) => setReplyAll(e.target.checked)} /> Reply all (Cc {others.map((p) => p.address).join(', ')})
        </label>
      ) : null}
      {active.length > 0 ? (
        <label className="field">
          <span>Template</span>
          <select value={templateId} onChange={(e) => void pickTemplate(e.target.value)}>
            <option value="">Write my own</option>
            {active.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="field">
        <span>Reply to {to}</span>
        <textarea rows={4} maxLength={20_000} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <DraftFacts body={body} result={drafting.result} flags={drafting.flags} />
      <FieldProblem text={drafting.problem} />
      <DocumentPicker files={ro.attachments} chosen={files} onChange={setFiles} />
      <div className="row">
        <button type="submit" className="primary" disabled={sending || body.trim() === '' || attachmentsTooLarge(ro.attachments, files) !== null}>
          {sending ? 'Sending…' : 'Send email'}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <FieldProblem text={problem} />
      {drafting.confirmDialog}
    </form>
  );
}
