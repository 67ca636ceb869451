// The shop's texting settings: the number and its 10DLC state (set by the operator, read here),
// the answer to HELP, the hours automated texts may go, and the templates with a preview of what
// a customer would receive (length and parts), added and edited here.
import { type FormEvent, useEffect, useState } from 'react';
import type { SmsTemplate } from '../../src-shared/domain.js';
import { countSegments } from '../../src-shared/sms/segments.js';
import { MERGE_FIELDS, renderTemplate } from '../../src-shared/sms/templates.js';
import { type CustomerLanguage, customerWords, languageName } from '../../src-shared/i18n/index.js';
import { useDesk } from '../shared/desk-context.js';
import { LanguageTabs } from '../shared/LanguageTabs.js';
import { formatPhone, messageOf, plural } from '../shared/format.js';
import { useLive } from '../shared/use-live.js';
import { FieldProblem } from '../shared/Notice.js';

/**
 * Stand-in values, so a template's preview reads like a real text (a real link is about this
 * long). The date is written as the customer of that language reads it in the shop's country:
 * "Thursday, December 3", "Thursday 3 December" (UK), "jueves, 3 de diciembre".
 */
export function sampleValues(shopName: string, shopPhone: string, country: string, language: CustomerLanguage) {
  const words = customerWords(country, language, { pseudo: false });
  return {
    first_name: 'Zoë',
    vehicle: '2019 Honda Accord',
    ro_number: '1042',
    claim_number: 'SF-2291-7734',
    adjuster_name: 'Pat Adjuster',
    stage: words.t('stages.repair-started.sentence'),
    promised_date: words.date('2026-12-03'),
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
  const list = useLive(api, () => api.call('sms-template-list', {}), ['sms_templates', 'workspace_settings'], []);
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
  // One wording per language the shop offers its customers; other languages open on their saved (or default) wording.
  const [language, setLanguage] = useState<CustomerLanguage>('en');
  const [wordings, setWordings] = useState<Record<string, string>>(() => Object.fromEntries((template?.wordings ?? []).map((w) => [w.language, w.body])));
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // Languages saved in this editor (the template passed in is the one read before saving).
  const [savedHere, setSavedHere] = useState<string[]>([]);
  const languages = (shop?.customerLanguages ?? ['en']).filter((l) => l === 'en' || template?.wordings.some((w) => w.language === l));
  const text = language === 'en' ? body : (wordings[language] ?? '');
  const sample = renderTemplate(text, sampleValues(shop?.name ?? 'Your shop', formatPhone(shop?.phone ?? ''), shop?.country ?? 'US', language));
  const count = countSegments(sample.text);
  const own = template?.wordings.find((w) => w.language === language);

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      if (language === 'en') {
        await api.call('sms-template-save', { ...(template ? { id: template.id } : {}), name, body, active });
        onDone();
      } else if (template) {
        await api.call('sms-template-save', { id: template.id, name, body: text, active, language });
        setSaved(`The ${languageName(language)} wording is saved.`);
        setSavedHere((l) => [...l, language]);
        setProblem(null);
      }
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  const label = language === 'en' ? 'Template text' : `Template text in ${languageName(language)}`;
  return (
    <form className="stack template-editor" aria-label={template ? `Edit template ${template.name}` : 'New template'} onSubmit={(e) => void save(e)}>
      <h4 className="subheading">{template ? `Edit “${template.name}”` : 'New template'}</h4>
      <label className="field">
        <span>Template name</span>
        <input required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} disabled={language !== 'en'} />
      </label>
      <LanguageTabs
        idPrefix="tpl"
        languages={languages}
        current={language}
        onPick={(l) => {
          setLanguage(l);
          setSaved(null);
        }}
      >
        {language !== 'en' ? (
          <p className="muted small">
            Customers who read {languageName(language)} get this wording.{' '}
            {savedHere.includes(language) || own?.own ? 'This is the shop’s own.' : template?.standard ? 'This is Bayline’s standard wording until you change it.' : 'Empty: they get the English text until you write one.'}
          </p>
        ) : null}
        <label className="field">
          <span>{label}</span>
          <textarea
            required={language === 'en'}
            rows={3}
            maxLength={1000}
            lang={language}
            value={text}
            onChange={(e) => (language === 'en' ? setBody(e.target.value) : setWordings({ ...wordings, [language]: e.target.value }))}
          />
        </label>
        {language === 'en' ? (
          <label className="field-inline">
            <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> In use (offered when writing a text)
          </label>
        ) : null}
        {text.trim() ? (
          <div className="text-preview" role="group" aria-label="Template preview" lang={language}>
            <p className="text-preview-label" lang="en">
              A customer would receive, for example
            </p>
            <p className="text-preview-body">{sample.text}</p>
            <p className="text-preview-count" lang="en">
              {plural(count.characters, 'character')} · {count.encoding} · {plural(count.segments, 'part')}
            </p>
          </div>
        ) : null}
      </LanguageTabs>
      <div className="actions">
        <button type="submit" className="primary" disabled={language !== 'en' && !text.trim()}>
          {language === 'en' ? 'Save template' : `Save the ${languageName(language)} wording`}
        </button>
        <button type="button" onClick={onDone}>
          {language === 'en' ? 'Cancel' : 'Close'}
        </button>
      </div>
      {saved ? <p className="notice notice-ok">{saved}</p> : null}
      <FieldProblem text={problem} />
    </form>
  );
}
