// Settings › Email templates: the shop's mail templates (a subject and a text with the repair's
// fields in braces, meant for the customer, the adjuster or anyone), in the order they are offered
// when writing a mail: add, edit, move up or down, remove. A field Bayline cannot fill in is
// refused by name when saving. The three every shop starts with are here until changed or removed.
import { type FormEvent, useState } from 'react';
import type { EmailTemplate } from '../../src-shared/domain.js';
import { MERGE_FIELDS } from '../../src-shared/sms/templates.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

const AUDIENCE: Record<EmailTemplate['audience'], string> = { customer: 'For the customer', adjuster: 'For the adjuster', any: 'For anyone' };

export function EmailTemplateSettings() {
  const { api } = useDesk();
  const list = useLive(api, () => api.call('email-template-list', {}), ['email_templates'], []);
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
  const { api } = useDesk();
  const [name, setName] = useState(template?.name ?? '');
  const [audience, setAudience] = useState<EmailTemplate['audience']>(template?.audience ?? 'any');
  const [subject, setSubject] = useState(template?.subject ?? '');
  const [body, setBody] = useState(template?.body ?? '');
  const [active, setActive] = useState(template?.active ?? true);
  const [problem, setProblem] = useState<string | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      await api.call('email-template-save', { ...(template ? { id: template.id } : {}), name, audience, subject, body, active });
      onDone();
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <form className="stack template-editor" aria-label={template ? `Edit email template ${template.name}` : 'New email template'} onSubmit={(e) => void save(e)}>
      <h4 className="subheading">{template ? `Edit “${template.name}”` : 'New email template'}</h4>
      <label className="field">
        <span>Template name</span>
        <input required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>Meant for</span>
        <select value={audience} onChange={(e) => setAudience(e.target.value as EmailTemplate['audience'])}>
          <option value="customer">The customer</option>
          <option value="adjuster">The adjuster</option>
          <option value="any">Anyone</option>
        </select>
      </label>
      <label className="field">
        <span>Subject</span>
        <input required maxLength={300} value={subject} onChange={(e) => setSubject(e.target.value)} />
      </label>
      <label className="field">
        <span>Email text</span>
        <textarea required rows={8} maxLength={20_000} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <label className="field-inline">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> In use (offered when writing an email)
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          Save email template
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <FieldProblem text={problem} />
    </form>
  );
}
