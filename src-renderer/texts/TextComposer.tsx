// Writing a text to the customer of one repair: pick a template or type, see exactly what the
// customer will receive (its length and how many parts it goes out in), read what stands in the
// way, then Send (which is the approval) or keep it as a draft for someone else to approve.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { RepairOrderDetail, SmsPreview } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { formatPhone, messageOf, plural } from '../shared/format.js';
import { useLive } from '../shared/use-live.js';
import { countSegments } from '../../src-shared/sms/segments.js';
import { useSendText } from './send-text.js';
import { FieldProblem } from '../shared/Notice.js';
import { DraftFacts, useDraft } from '../drafting/use-draft.js';
import type { MilestoneAsk } from '../drafting/MilestoneOffer.js';
import { milestoneName } from '../../src-shared/drafting/milestones.js';

/** Which characters make the text go as UCS-2, so a person can change them if the parts matter. */
function whyShorterParts(text: string): string {
  const odd = [...new Set([...text])].filter((c) => countSegments(c).encoding === 'UCS-2');
  const shown = odd.slice(0, 5).join(' ');
  return `${shown}${odd.length > 5 ? ' …' : ''} ${odd.length === 1 ? 'is' : 'are'} outside the plain texting alphabet, so each part holds 67 characters instead of 153.`;
}

/** Milestone asks already drafted (the ask object lives in the repair page's state). */
const handledAsks = new WeakSet<MilestoneAsk>();

export function TextComposer({ ro, onChanged, milestone = null }: { ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void; milestone?: MilestoneAsk | null }) {
  const { api, announce } = useDesk();
  const templates = useLive(api, () => api.call('sms-template-list', {}), ['sms_templates', 'workspace_settings'], []);
  const settings = useLive(api, () => api.call('sms-settings-get', {}), ['workspace_settings'], []);
  const [templateId, setTemplateId] = useState('');
  const [body, setBody] = useState('');
  // The final text of the chosen template; while the box still holds it, a draft names the template.
  const [templateText, setTemplateText] = useState<string | null>(null);
  const [preview, setPreview] = useState<SmsPreview | null>(null);
  const [previewProblem, setPreviewProblem] = useState<string | null>(null);
  const asked = useRef(0);
  // The text draft "Draft" saved on the repair: Send approves that draft (with the words as edited).
  const [draftId, setDraftId] = useState<string | null>(null);
  const { send, sending, problem, setProblem, confirmDialog } = useSendText((next) => {
    onChanged(next);
    setBody('');
    setTemplateId('');
    setTemplateText(null);
    setPreview(null);
    setDraftId(null);
    drafting.reset();
  });
  const drafting = useDraft({
    roId: ro.id,
    channel: 'sms',
    recipient: 'customer',
    body,
    onText: (text) => {
      setTemplateId('');
      setTemplateText(null);
      setBody(text);
    },
    onDone: (r) => setDraftId(r.draftId),
  });

  // "Draft a message to the customer" after a milestone move: the draft is written here, in view.
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    // Each ask drafts once, even when the composer is mounted again while the repair loads.
    if (!milestone || handledAsks.has(milestone)) return;
    handledAsks.add(milestone);
    box.current?.scrollIntoView({ block: 'center' });
    box.current?.focus();
    void drafting.draft({ milestone: milestoneName(milestone.stage), ...(draftId ? { draftId } : {}) });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [milestone?.n]);

  async function ask(args: { templateId?: string; body?: string }): Promise<SmsPreview | null> {
    const n = ++asked.current;
    try {
      const p = await api.call('sms-preview', { roId: ro.id, ...args });
      if (n !== asked.current) return null;
      setPreview(p);
      setPreviewProblem(null);
      return p;
    } catch (err) {
      if (n === asked.current) {
        setPreview(null);
        setPreviewProblem(messageOf(err));
      }
      return null;
    }
  }

  async function pickTemplate(id: string) {
    setTemplateId(id);
    setProblem(null);
    if (!id) {
      setTemplateText(null);
      return;
    }
    const p = await ask({ templateId: id });
    if (p) {
      setBody(p.text);
      setTemplateText(p.text);
    }
  }

  // The preview follows what is typed (a short pause, so not every key costs a call).
  useEffect(() => {
    if (templateText !== null && body === templateText) return;
    if (body.trim() === '') {
      asked.current++;
      setPreview(null);
      setPreviewProblem(null);
      return;
    }
    const timer = setTimeout(() => void ask({ body }), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [body, templateText, ro.id, ro.customer.smsOptedOut, ro.customer.mobile]);

  const fromTemplate = templateId !== '' && templateText !== null && body === templateText;

  // The words on screen are what the person approves, also when they came from a template: sending
  // the template's id would fill it in again, and a date changed meanwhile would change the text.
  async function submit(e: FormEvent) {
    e.preventDefault();
    await drafting.guardSend(() => void sendNow());
  }

  async function sendNow() {
    if (draftId) {
      try {
        // The draft holds the words as the person left them, then Send approves exactly that draft.
        await api.call('sms-draft-save', { roId: ro.id, id: draftId, body });
      } catch (err) {
        setProblem(`Not sent: ${messageOf(err)}`);
        return;
      }
      await send({ roId: ro.id, draftId });
    } else await send({ roId: ro.id, body });
  }

  async function saveDraft() {
    try {
      // A draft keeps the filled-in words ({first_name} and the like replaced): sending a draft
      // later sends exactly what it holds.
      const final = fromTemplate ? body : (await api.call('sms-preview', { roId: ro.id, body })).text;
      onChanged(await api.call('sms-draft-save', { roId: ro.id, body: final, ...(draftId ? { id: draftId } : {}), ...(fromTemplate ? { templateId } : {}) }));
      announce('Text kept as a draft. It is not sent until someone presses Send.');
      setDraftId(null);
      drafting.reset();
      setBody('');
      setTemplateId('');
      setTemplateText(null);
      setPreview(null);
      setProblem(null);
    } catch (err) {
      setProblem(`Draft not saved: ${messageOf(err)}`);
    }
  }

  const optedOut = ro.customer.smsOptedOut;
  const blocking = preview?.warnings.filter((w) => w.blocking) ?? [];
  const cautions = preview?.warnings.filter((w) => !w.blocking && w.code !== 'tendlc-not-active') ?? [];
  const canSend = !optedOut && body.trim() !== '' && preview !== null && preview.canSend && !sending;
  const active = templates.data?.filter((t) => t.active) ?? [];

  return (
    <section className="panel text-composer" aria-labelledby="text-heading">
      <h3 id="text-heading">Text {ro.customer.firstName}</h3>
      {settings.data?.warning ? (
        <p className="notice notice-warn" role="note">
          <span aria-hidden="true">⚠ </span>
          {settings.data.warning}
        </p>
      ) : null}
      {optedOut ? (
        <p className="notice notice-problem opted-out" role="note">
          <strong>Opted out of texts.</strong> {ro.customer.firstName} replied STOP, so Bayline sends them no texts. They can text START to
          the shop’s number to get texts again; until then, use the portal or call.
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label className="field">
          <span>Template</span>
          <select value={templateId} onChange={(e) => void pickTemplate(e.target.value)} disabled={optedOut}>
            <option value="">Write my own</option>
            {active.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <div className="actions">
          <button type="button" onClick={() => void drafting.draft(draftId ? { draftId } : {})} disabled={optedOut || drafting.drafting} aria-describedby="draft-help">
            {drafting.drafting ? 'Drafting…' : 'Draft'}
          </button>
          <span id="draft-help" className="hint">
            Writes a text from this repair’s facts for you to read and edit. Nothing is sent until you press Send.
          </span>
        </div>
        <label className="field">
          <span>Text to {ro.customer.mobile ? formatPhone(ro.customer.mobile) : 'the customer'}</span>
          <textarea ref={box} rows={4} maxLength={1600} value={body} disabled={optedOut} onChange={(e) => setBody(e.target.value)} />
        </label>
        {preview && body.trim() !== '' ? (
          <div className="text-preview" role="group" aria-label="What the customer receives">
            <p className="text-preview-label">What {ro.customer.firstName} receives</p>
            <p className="text-preview-body">{preview.text}</p>
            <p className="text-preview-count">
              {plural(preview.characters, 'character')} · {preview.encoding} · {plural(preview.segments, 'part')}
            </p>
            {preview.encoding === 'UCS-2' ? <p className="text-preview-why">{whyShorterParts(preview.text)}</p> : null}
          </div>
        ) : null}
        {blocking.map((w) => (
          <p key={w.code} className="field-problem" role="alert">
            Cannot send: {w.message}
          </p>
        ))}
        {cautions.map((w) => (
          <p key={w.code} className="text-caution">
            <span aria-hidden="true">⚠ </span>
            {w.message}
          </p>
        ))}
        {previewProblem ? <p className="field-problem">{previewProblem}</p> : null}
        <DraftFacts body={body} result={drafting.result} flags={drafting.flags} />
        <FieldProblem text={drafting.problem} />
        <div className="actions">
          <button type="submit" className="primary" disabled={!canSend}>
            {sending ? 'Sending…' : 'Send text'}
          </button>
          <button type="button" disabled={optedOut || body.trim() === ''} onClick={() => void saveDraft()}>
            Keep as draft
          </button>
        </div>
        <FieldProblem text={problem} />
      </form>
      {confirmDialog}
      {drafting.confirmDialog}
    </section>
  );
}
