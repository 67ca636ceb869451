// Writing a new mail from the repair: to the customer, the adjuster, or both (one as Cc), from one
// of the shop's mailboxes (the one the repair's mail went through, else the first connected), a
// template with the repair's fields filled in, the subject and text as they will go, and the
// repair's documents. Send is the person's approval; the relay sends it once, and its state shows
// in the conversation above.
import { type FormEvent, useState } from 'react';
import { DraftFacts, useDraft } from '../drafting/use-draft.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import { attachmentsTooLarge, DocumentPicker } from './DocumentPicker.js';

type Role = '' | 'to' | 'cc';

export function EmailComposer({ ro, onChanged }: { ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void }) {
  const { api, announce } = useDesk();
  const mailboxes = useLive(api, () => api.call('mail-mailbox-list', {}), ['mailboxes'], []);
  const templates = useLive(api, () => api.call('email-template-list', {}), ['email_templates', 'workspace_settings'], []);
  const [open, setOpen] = useState(false);
  const [customer, setCustomer] = useState<Role>('to');
  const [adjuster, setAdjuster] = useState<Role>('');
  const [mailboxId, setMailboxId] = useState('');
  const [templateId, setTemplateId] = useState('');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<string[]>([]);
  const [missing, setMissing] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  // A draft goes to the adjuster when only the adjuster is "To"; otherwise it is written for the customer.
  const draftFor = adjuster === 'to' && ro.adjusterEmail && (customer !== 'to' || !ro.customer.email) ? 'adjuster' : 'customer';
  const drafting = useDraft({
    roId: ro.id,
    channel: 'email',
    recipient: draftFor,
    body,
    onText: (text) => {
      setTemplateId('');
      setBody(text);
    },
    onDone: (r) => {
      if (r.subject) setSubject(r.subject);
    },
  });

  const connected = (mailboxes.data ?? []).filter((b) => b.state === 'connected');
  const lastBox = [...ro.messages].reverse().find((m) => m.email?.mailboxId && connected.some((b) => b.id === m.email!.mailboxId))?.email?.mailboxId;
  const fromId = mailboxId || lastBox || connected[0]?.id || '';
  const customerEmail = ro.customer.email;
  const adjusterEmail = ro.adjusterEmail;
  const name = ro.customer.firstName;

  function reset() {
    setTemplateId('');
    setSubject('');
    setBody('');
    setFiles([]);
    setMissing([]);
    setProblem(null);
  }

  async function pickTemplate(id: string) {
    setTemplateId(id);
    setProblem(null);
    if (!id) return;
    try {
      const p = await api.call('mail-merge-preview', { roId: ro.id, templateId: id });
      setSubject(p.subject);
      setBody(p.body);
      setMissing(p.missingFields);
      if (p.audience === 'adjuster' && adjusterEmail) {
        setAdjuster('to');
        setCustomer('');
      } else if (p.audience === 'customer' && customerEmail) {
        setCustomer('to');
        setAdjuster('');
      }
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function send(e: FormEvent) {
    e.preventDefault();
    await drafting.guardSend(() => void sendNow());
  }

  async function sendNow() {
    const to = [...(customer === 'to' ? ['customer'] : []), ...(adjuster === 'to' ? ['adjuster'] : [])];
    const cc = [...(customer === 'cc' ? ['customer'] : []), ...(adjuster === 'cc' ? ['adjuster'] : [])];
    if (to.length === 0) {
      setProblem('Choose who the email is to: the customer or the adjuster.');
      return;
    }
    setSending(true);
    try {
      onChanged(
        await api.call('mail-compose', {
          roId: ro.id,
          to,
          cc,
          subject,
          body,
          attachmentIds: files,
          ...(fromId ? { mailboxId: fromId } : {}),
          ...(templateId ? { templateId } : {}),
        }),
      );
      announce('Email approved. It is sent from the shop’s mailbox; its state shows in the conversation.');
      reset();
      drafting.reset();
      setOpen(false);
    } catch (err) {
      setProblem(`Not sent: ${messageOf(err)}`);
    } finally {
      setSending(false);
    }
  }

  const active = (templates.data ?? []).filter((t) => t.active);
  const tooLarge = attachmentsTooLarge(ro.attachments, files) !== null;
  const roleSelect = (label: string, value: Role, set: (r: Role) => void, address: string | null, missingWords: string) => (
    <div className="row">
      <label className="field">
        <span>{label}</span>
        <select value={address ? value : ''} disabled={!address} onChange={(e) => set(e.target.value as Role)}>
          <option value="">Not on this email</option>
          <option value="to">To</option>
          <option value="cc">Cc</option>
        </select>
      </label>
      <span className="muted small">{address ?? missingWords}</span>
    </div>
  );

  return (
    <section className="panel email-composer" aria-labelledby="email-compose-heading">
      <h3 id="email-compose-heading">Email about this repair</h3>
      {mailboxes.data && connected.length === 0 ? (
        <p className="muted">No mailbox is connected, so email cannot be sent from here. The owner or a manager can connect the shop’s mailbox in Settings › Email.</p>
      ) : !open ? (
        <button type="button" onClick={() => setOpen(true)} disabled={!mailboxes.data}>
          Write an email
        </button>
      ) : (
        <form className="stack" aria-label="New email" onSubmit={(e) => void send(e)}>
          {connected.length > 1 ? (
            <label className="field">
              <span>Send from</span>
              <select value={fromId} onChange={(e) => setMailboxId(e.target.value)}>
                {connected.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.address}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <p className="muted small">From {connected[0]?.address}</p>
          )}
          {roleSelect(`${name} (customer)`, customer, setCustomer, customerEmail, `${name} has no email address on file.`)}
          {roleSelect(`${ro.adjusterName || 'The adjuster'} (adjuster)`, adjuster, setAdjuster, adjusterEmail, 'No adjuster email on this repair.')}
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
          <div className="actions">
            <button type="button" onClick={() => void drafting.draft()} disabled={drafting.drafting}>
              {drafting.drafting ? 'Drafting…' : `Draft for the ${draftFor}`}
            </button>
            <span className="hint">Writes from this repair’s facts for you to read and edit. Nothing is sent until you press Send.</span>
          </div>
          <label className="field">
            <span>Subject</span>
            <input required maxLength={300} value={subject} onChange={(e) => setSubject(e.target.value)} />
          </label>
          <label className="field">
            <span>Email text</span>
            <textarea required rows={8} maxLength={50_000} value={body} onChange={(e) => setBody(e.target.value)} />
          </label>
          {missing.length > 0 ? (
            <p className="text-caution">
              <span aria-hidden="true">⚠ </span>
              Bayline has nothing to fill in for {missing.map((f) => `{${f}}`).join(', ')} yet, so it is left out. Read the email over before sending.
            </p>
          ) : null}
          <DraftFacts body={body} result={drafting.result} flags={drafting.flags} />
          <FieldProblem text={drafting.problem} />
          <DocumentPicker files={ro.attachments} chosen={files} onChange={setFiles} />
          <div className="actions">
            <button type="submit" className="primary" disabled={sending || tooLarge || subject.trim() === '' || body.trim() === ''}>
              {sending ? 'Sending…' : 'Send email'}
            </button>
            <button
              type="button"
              onClick={() => {
                reset();
                drafting.reset();
                setOpen(false);
              }}
            >
              Cancel
            </button>
          </div>
          <FieldProblem text={problem} />
        </form>
      )}
      {drafting.confirmDialog}
    </section>
  );
}
