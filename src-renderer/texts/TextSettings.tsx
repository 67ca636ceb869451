// The shop's texting settings: the number and its 10DLC state (set by the operator, read here),
// the answer to HELP, the hours automated texts may go, and the templates with a preview of what
// a customer would receive (length and parts), added and edited here.
import { type FormEvent, useEffect, useState } from 'react';
import type { SmsTemplate } from '../../src-shared/domain.js';
import { countSegments } from '../../src-shared/sms/segments.js';
import { MERGE_FIELDS, renderTemplate } from '../../src-shared/sms/templates.js';
import { useDesk } from '../shared/desk-context.js';
import { formatPhone, messageOf, plural } from '../shared/format.js';
import { useLive } from '../shared/use-live.js';
import { FieldProblem } from '../shared/Notice.js';

/** Stand-in values, so a template's preview reads like a real text (a real link is about this long). */
function sampleValues(shopName: string, shopPhone: string) {
  return {
    first_name: 'Zoë',
    vehicle: '2019 Honda Accord',
    ro_number: '1042',
    claim_number: 'SF-2291-7734',
    adjuster_name: 'Pat Adjuster',
    stage: 'We are repairing your car.',
    promised_date: 'Friday, December 4',
    portal_link: 'https://relay.bayline.app/t/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefgh?s=sms',
    shop_name: shopName,
    shop_phone: shopPhone,
  };
}

export function TextSettings() {
  const { api } = useDesk();
  const settings = useLive(api, () => api.call('sms-settings-get', {}), ['workspace_settings'], []);
  const [helpText, setHelpText] = useState('');
  const [start, setStart] = useState('08:00');
  const [end, setEnd] = useState('21:00');
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const data = settings.data;
  useEffect(() => {
    if (!data) return;
    setHelpText(data.helpText);
    setStart(data.window.start);
    setEnd(data.window.end);
  }, [data]);

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      settings.set(await api.call('sms-settings-update', { helpText, windowStart: start, windowEnd: end }));
      setSaved('Texting settings saved.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  return (
    <section id="set-texts" className="panel" aria-labelledby="texts-heading">
      <h3 id="texts-heading">Texts</h3>
      {data ? (
        <p>
          Texting number: <strong>{data.number ? formatPhone(data.number) : 'none yet'}</strong>
          {data.number ? ` · 10DLC registration: ${data.tenDlcStatus ?? 'not known yet'}` : ''}
        </p>
      ) : null}
      {data?.warning ? (
        <p className="notice notice-warn" role="note">
          <span aria-hidden="true">⚠ </span>
          {data.warning}
        </p>
      ) : null}
      <form className="stack" onSubmit={(e) => void save(e)}>
        <label className="field">
          <span>Answer to HELP (leave empty for the standard one: shop name, phone and how to stop)</span>
          <textarea rows={2} maxLength={300} value={helpText} onChange={(e) => setHelpText(e.target.value)} />
        </label>
        <p className="muted small">
          Automated texts go only between these times in the customer’s own time zone (never before 08:00 or after 21:00). A person sending by
          hand outside them is asked to confirm.
        </p>
        <div className="row">
          <label className="field">
            <span>Texts from</span>
            <input type="time" min="08:00" max="21:00" required value={start} onChange={(e) => setStart(e.target.value)} />
          </label>
          <label className="field">
            <span>Texts until</span>
            <input type="time" min="08:00" max="21:00" required value={end} onChange={(e) => setEnd(e.target.value)} />
          </label>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Save texting settings
          </button>
        </div>
        {saved ? <p className="notice notice-ok">{saved}</p> : null}
        <FieldProblem text={problem} />
      </form>
      <TemplateList />
    </section>
  );
}

function TemplateList() {
  const { api } = useDesk();
  const list = useLive(api, () => api.call('sms-template-list', {}), ['sms_templates'], []);
  const [editing, setEditing] = useState<SmsTemplate | 'new' | null>(null);
  return (
    <>
      <h4 className="subheading">Text templates</h4>
      <p className="muted small">Fields in braces are filled in for each repair: {MERGE_FIELDS.map((f) => `{${f}}`).join(' ')}</p>
      <ul className="template-list" aria-label="Text templates">
        {list.data?.map((t) => (
          <li key={t.id} className={t.active ? '' : 'muted'}>
            <p>
              <strong>{t.name}</strong>
              {t.standard ? <span className="muted small"> (standard)</span> : null}
              {t.active ? null : <span className="small"> · switched off</span>}{' '}
              <button type="button" className="quiet" onClick={() => setEditing(t)}>
                Edit <span className="visually-hidden">{t.name}</span>
              </button>
            </p>
            <p className="small">{t.body}</p>
          </li>
        ))}
      </ul>
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
          Add a template
        </button>
      )}
    </>
  );
}

function TemplateEditor({ template, onDone }: { template: SmsTemplate | null; onDone(): void }) {
  const { api, shop } = useDesk();
  const [name, setName] = useState(template?.name ?? '');
  const [body, setBody] = useState(template?.body ?? '');
  const [active, setActive] = useState(template?.active ?? true);
  const [problem, setProblem] = useState<string | null>(null);
  const sample = renderTemplate(body, sampleValues(shop?.name ?? 'Your shop', shop?.phone ?? ''));
  const count = countSegments(sample.text);

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      await api.call('sms-template-save', { ...(template ? { id: template.id } : {}), name, body, active });
      onDone();
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <form className="stack template-editor" aria-label={template ? `Edit template ${template.name}` : 'New template'} onSubmit={(e) => void save(e)}>
      <h4 className="subheading">{template ? `Edit “${template.name}”` : 'New template'}</h4>
      <label className="field">
        <span>Template name</span>
        <input required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>Template text</span>
        <textarea required rows={3} maxLength={1000} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <label className="field-inline">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> In use (offered when writing a text)
      </label>
      {body.trim() ? (
        <div className="text-preview" role="group" aria-label="Template preview">
          <p className="text-preview-label">A customer would receive, for example</p>
          <p className="text-preview-body">{sample.text}</p>
          <p className="text-preview-count">
            {plural(count.characters, 'character')} · {count.encoding} · {plural(count.segments, 'part')}
          </p>
        </div>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary">
          Save template
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <FieldProblem text={problem} />
    </form>
  );
}
