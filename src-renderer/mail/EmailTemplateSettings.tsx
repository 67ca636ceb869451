// Settings › Email templates: the shop's mail templates (a subject and a text with the repair's
// fields in braces, meant for the customer, the adjuster or anyone), in the order they are offered
// when writing a mail: add, edit, move up or down, remove. A field Bayline cannot fill in is
// refused by name when saving. The three every shop starts with are here until changed or removed.
// A template a customer may receive has a tab per language the shop offers (issue 22).
import { type FormEvent, useState } from 'react';
import type { EmailTemplate } from '../../src-shared/domain.js';
import { MERGE_FIELDS, renderTemplate } from '../../src-shared/sms/templates.js';
import { type CustomerLanguage, languageName } from '../../src-shared/i18n/index.js';
import { sampleValues } from '../texts/TextSettings.js';
import { useDesk } from '../shared/desk-context.js';
import { LanguageTabs } from '../shared/LanguageTabs.js';
import { formatPhone, messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

const AUDIENCE: Record<EmailTemplate['audience'], string> = { customer: 'For the customer', adjuster: 'For the adjuster', any: 'For anyone' };

export function EmailTemplateSettings() {
  const { api } = useDesk();
  const list = useLive(api, () => api.call('email-template-list', {}), ['email_templates', 'workspace_settings'], []);
  const [editing, setEditing] = useState<EmailTemplate | 'new' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const items = list.data ?? [];

  async function move(index: number, by: -1 | 1) {
    const ids = items.map((t) => t.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id!);
    try {
      list.set(await api.call('email-template-order', { ids }));
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function remove(t: EmailTemplate) {
    if (!window.confirm(`Remove the email template "${t.name}"? Mail already sent with it stays as it is.`)) return;
    try {
      list.set(await api.call('email-template-delete', { id: t.id }));
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <section id="set-email-templates" className="panel" aria-labelledby="email-templates-heading">
      <h3 id="email-templates-heading">Email templates</h3>
      <p className="muted small">Fields in braces are filled in from the repair when writing a mail: {MERGE_FIELDS.map((f) => `{${f}}`).join(' ')}</p>
      {items.length === 0 && list.data ? <p>No email templates. Add one below.</p> : null}
      <ol className="template-list" aria-label="Email templates">
        {items.map((t, i) => (
          <li key={t.id} className={t.active ? '' : 'muted'}>
            <p>
              <strong>{t.name}</strong> <span className="muted small">· {AUDIENCE[t.audience]}</span>
              {t.active ? null : <span className="small"> · switched off</span>}
            </p>
            <p className="small">Subject: {t.subject}</p>
            <p className="small email-template-body">{t.body}</p>
            <div className="row">
              <button type="button" className="quiet" onClick={() => setEditing(t)}>
                Edit <span className="visually-hidden">{t.name}</span>
              </button>
              <button type="button" className="quiet" disabled={i === 0} onClick={() => void move(i, -1)}>
                Move up <span className="visually-hidden">{t.name}</span>
              </button>
              <button type="button" className="quiet" disabled={i === items.length - 1} onClick={() => void move(i, 1)}>
                Move down <span className="visually-hidden">{t.name}</span>
              </button>
              <button type="button" className="quiet" onClick={() => void remove(t)}>
                Remove <span className="visually-hidden">{t.name}</span>
              </button>
            </div>
          </li>
        ))}
      </ol>
      <FieldProblem text={problem} />
      {editing ? (
        <TemplateEditor
          key={editing === 'new' ? 'new' : editing.id}
          template={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            void list.reload();
          }}
        />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>
          Add an email template
        </button>
      )}
    </section>
  );
}

function TemplateEditor({ template, onDone }: { template: EmailTemplate | null; onDone(): void }) {
  const { api, shop } = useDesk();
  const [name, setName] = useState(template?.name ?? '');
  const [audience, setAudience] = useState<EmailTemplate['audience']>(template?.audience ?? 'any');
  const [subject, setSubject] = useState(template?.subject ?? '');
  const [body, setBody] = useState(template?.body ?? '');
  const [active, setActive] = useState(template?.active ?? true);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // Languages saved in this editor (the template passed in is the one read before saving).
  const [savedHere, setSavedHere] = useState<string[]>([]);
  // A tab per language the shop offers, for a saved template a customer may receive (not one for adjusters only).
  const [language, setLanguage] = useState<CustomerLanguage>('en');
  const [wordings, setWordings] = useState<Record<string, { subject: string; body: string }>>(() =>
    Object.fromEntries((template?.wordings ?? []).map((w) => [w.language, { subject: w.subject, body: w.body }])),
  );
  const languages = template && audience !== 'adjuster' ? (shop?.customerLanguages ?? ['en']) : ['en' as const];
  const other = language === 'en' ? null : (wordings[language] ?? { subject: '', body: '' });
  const shownSubject = other ? other.subject : subject;
  const shownBody = other ? other.body : body;
  const sample = sampleValues(shop?.name ?? 'Your shop', formatPhone(shop?.phone ?? ''), shop?.country ?? 'US', language);
  const previewSubject = renderTemplate(shownSubject, sample, { keepLines: true }).text;
  const previewBody = renderTemplate(shownBody, sample, { keepLines: true }).text;

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      if (!other) {
        await api.call('email-template-save', { ...(template ? { id: template.id } : {}), name, audience, subject, body, active });
        onDone();
      } else if (template) {
        await api.call('email-template-save', { id: template.id, name, audience, subject: other.subject, body: other.body, active, language: language as 'es' });
        setSaved(`The ${languageName(language)} wording is saved.`);
        setSavedHere((l) => [...l, language]);
        setProblem(null);
      }
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  const setOther = (change: Partial<{ subject: string; body: string }>) => setWordings({ ...wordings, [language]: { ...other!, ...change } });
  const suffix = other ? ` in ${languageName(language)}` : '';
  return (
    <form className="stack template-editor" aria-label={template ? `Edit email template ${template.name}` : 'New email template'} onSubmit={(e) => void save(e)}>
      <h4 className="subheading">{template ? `Edit “${template.name}”` : 'New email template'}</h4>
      <label className="field">
        <span>Template name</span>
        <input required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} disabled={!!other} />
      </label>
      <label className="field">
        <span>Meant for</span>
        <select value={audience} onChange={(e) => setAudience(e.target.value as EmailTemplate['audience'])} disabled={!!other}>
          <option value="customer">The customer</option>
          <option value="adjuster">The adjuster</option>
          <option value="any">Anyone</option>
        </select>
      </label>
      <LanguageTabs
        idPrefix="etpl"
        languages={languages}
        current={language}
        onPick={(l) => {
          setLanguage(l);
          setSaved(null);
        }}
      >
        {other ? (
          <p className="muted small">
            Customers who read {languageName(language)} get this mail. {savedHere.includes(language) || template?.wordings.find((w) => w.language === language)?.own
              ? 'This is the shop’s own.'
              : template?.wordings.find((w) => w.language === language)?.body
                ? 'This is Bayline’s standard wording; change it and save to make it the shop’s own.'
                : 'Empty: they get the English mail until you write one.'}
          </p>
        ) : null}
        <label className="field">
          <span>Subject{suffix}</span>
          <input required={!other} maxLength={300} lang={language} value={shownSubject} onChange={(e) => (other ? setOther({ subject: e.target.value }) : setSubject(e.target.value))} />
        </label>
        <label className="field">
          <span>Email text{suffix}</span>
          <textarea required={!other} rows={8} maxLength={20_000} lang={language} value={shownBody} onChange={(e) => (other ? setOther({ body: e.target.value }) : setBody(e.target.value))} />
        </label>
        {!other ? (
          <label className="field-inline">
            <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> In use (offered when writing an email)
          </label>
        ) : null}
        {shownBody.trim() ? (
          <div className="text-preview" role="group" aria-label="Email preview" lang={language}>
            <p className="text-preview-label" lang="en">
              A customer would receive, for example
            </p>
            <p className="text-preview-body">
              <strong>{previewSubject}</strong>
            </p>
            <p className="text-preview-body mail-preview-text">{previewBody}</p>
          </div>
        ) : null}
      </LanguageTabs>
      <div className="actions">
        <button type="submit" className="primary" disabled={!!other && (!other.subject.trim() || !other.body.trim())}>
          {other ? `Save the ${languageName(language)} wording` : 'Save email template'}
        </button>
        <button type="button" onClick={onDone}>
          {other ? 'Close' : 'Cancel'}
        </button>
      </div>
      {saved ? <p className="notice notice-ok">{saved}</p> : null}
      <FieldProblem text={problem} />
    </form>
  );
}
