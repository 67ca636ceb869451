// The shop's settings: profile, logo and colours (previewed live on the portal), the stage wording
// customers read, sub-statuses, exception tags, staff and their PINs, printing, and pairing with
// the shop's relay; texting (help text, hours, templates); the shop's mailboxes (Email) and email templates.
import { type FormEvent, useEffect, useState } from 'react';
import type { ArgsOf } from '../../src-shared/api/contract.js';
import type { ExceptionTag, StaffMember, StaffRole, SubStatus, SyncStatus, WorkspaceSettings } from '../../src-shared/domain.js';
import { DELAY_REASONS, type DelayReason } from '../../src-shared/exceptions.js';
import { KIND_LABELS, type Paper, PAPERS, PAPERS_FOR, PRINT_KINDS, type PrintKind, type PrintSettings } from '../../src-shared/printing.js';
import { DEFAULT_STAGE_WORDING, type Stage, STAGE_LABELS, STAGES } from '../../src-shared/stages.js';
import { COUNTRIES, COUNTRY_CODES } from '../../src-shared/locale/country.js';
import { CUSTOMER_LANGUAGES, languageName } from '../../src-shared/i18n/customer-locale.js';
import { useDesk } from '../shared/desk-context.js';
import { deskCountry, deskWords, messageOf } from '../shared/format.js';
import { Loading } from '../shared/Notice.js';
import { useFileUrl } from '../shared/use-file-url.js';
import { useLive } from '../shared/use-live.js';
import { PortalPreview } from './PortalPreview.js';
import { PhoneCheck } from './PhoneCheck.js';
import { TextSettings } from '../texts/TextSettings.js';
import { CallSettings } from '../calls/CallSettings.js';
import { ReportSettings } from '../reports/ReportSettings.js';
import { AppointmentSettings } from '../scheduling/AppointmentSettings.js';
import { AfterRepairSettings } from '../csi/AfterRepairSettings.js';
import { DraftingSettings } from '../drafting/DraftingSettings.js';
import { MailSettings } from '../mail/MailSettings.js';
import { EmailTemplateSettings } from '../mail/EmailTemplateSettings.js';
import { EsignSettings } from '../esign/EsignSettings.js';
import { ProviderSettings } from '../providers/ProviderSettings.js';
import { AutomationSettings } from '../automations/AutomationSettings.js';
import type { PairingLink } from '../../src-shared/pairing-link.js';

const SECTIONS = [
  ['shop', 'Shop'],
  ['languages', 'Customer languages'],
  ['branding', () => `Logo and ${deskWords().colors}`],
  ['wording', 'Stage wording'],
  ['substatuses', 'Sub-statuses'],
  ['tags', 'Exception tags'],
  ['staff', 'Staff'],
  ['printing', 'Printing'],
  ['appointments', 'Appointments'],
  ['texts', 'Texts'],
  ['after-repair', 'After the repair'],
  ['calls', 'Calls'],
  ['reports', 'Reports'],
  ['drafts', 'Drafts'],
  ['automations', 'Automations'],
  ['email', 'Email'],
  ['email-templates', 'Email templates'],
  ['esign', 'E-signature'],
  ['providers', 'Work providers'],
  ['relay', 'Relay'],
] as const;

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The country's zones, and the shop's own if it is elsewhere (kept, never silently replaced). */
function zoneChoices(draft: WorkspaceSettings): string[] {
  const zones = [...COUNTRIES[draft.country].timeZones];
  return zones.includes(draft.timeZone) ? zones : [draft.timeZone, ...zones];
}

/** "Europe/London (now 23:56)": the zone with its clock now, so a wrong one shows at a glance. */
function zoneLabel(zone: string): string {
  try {
    const now = new Date().toLocaleTimeString(deskCountry().locale, { hour: 'numeric', minute: '2-digit', timeZone: zone });
    return `${zone.replace(/_/g, ' ')} (now ${now})`;
  } catch {
    return zone;
  }
}

export function Settings({ pairing }: { pairing?: PairingLink } = {}) {
  const { api, shop } = useDesk();
  const [draft, setDraft] = useState<WorkspaceSettings | null>(shop);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (shop && !draft) setDraft(shop);
  }, [shop, draft]);
  const { url: logoUrl } = useFileUrl(api, draft?.logoHash ?? null, 'image/png');

  if (!draft) return <Loading what="the settings" />;

  async function save(e: FormEvent | null, fields: ArgsOf<'workspace-update'>, what: string) {
    e?.preventDefault();
    try {
      const next = await api.call('workspace-update', fields);
      // Only the saved section takes the desk's answer: edits not saved yet elsewhere on the page stay.
      const saved = Object.keys(fields) as Array<keyof WorkspaceSettings>;
      setDraft((d) => (d ? { ...d, ...Object.fromEntries(saved.map((k) => [k, next[k]])) } : next));
      setSaved(`${what} saved.`);
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  async function uploadLogo(file: File | undefined) {
    if (!file) return;
    try {
      const stored = await api.files.upload(file, file.type);
      await save(null, { logoHash: stored.hash }, 'Logo');
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  const set = (fields: Partial<WorkspaceSettings>) => setDraft({ ...draft, ...fields });

  return (
    <div className="screen settings">
      <h2 className="screen-title">Settings</h2>
      <nav aria-label="Settings sections" className="settings-nav">
        {SECTIONS.map(([id, label]) => (
          <a key={id} href={`#set-${id}`}>
            {typeof label === 'string' ? label : label()}
          </a>
        ))}
      </nav>
      <div aria-live="polite" className="save-line">
        {saved ? <p className="notice notice-ok">{saved}</p> : null}
        {problem ? (
          <p role="alert" className="notice notice-problem">
            {problem}
          </p>
        ) : null}
      </div>
      <div className="settings-grid">
        <div className="settings-main">
          {/* Opened by a pairing link: pairing comes first, filled in. */}
          {pairing ? <RelaySection pairing={pairing} /> : null}
          <form id="set-shop" className="panel" aria-labelledby="shop-heading" onSubmit={(e) => void save(e, pick(draft, ['name', 'phone', 'email', 'address', 'timeZone', 'country']), 'Shop details')}>
            <h3 id="shop-heading">Shop</h3>
            <div className="row">
              <TextField label="Shop name" value={draft.name} onChange={(name) => set({ name })} />
              <TextField label="Phone" value={draft.phone} onChange={(phone) => set({ phone })} />
            </div>
            <div className="row">
              <TextField label="Email" value={draft.email} onChange={(email) => set({ email })} />
              <label className="field">
                <span>Time zone</span>
                <select value={draft.timeZone} onChange={(e) => set({ timeZone: e.target.value })}>
                  {zoneChoices(draft).map((zone) => (
                    <option key={zone} value={zone}>
                      {zoneLabel(zone)}
                    </option>
                  ))}
                </select>
                <small className="muted">Every time on the desk, the customers’ pages and the papers reads in this zone.</small>
              </label>
            </div>
            <TextField label="Address" value={draft.address} onChange={(address) => set({ address })} />
            <label className="field">
              <span>Country</span>
              <select
                value={draft.country}
                onChange={(e) => {
                  const country = e.target.value as WorkspaceSettings['country'];
                  // A shop that moves country moves zone: a UK shop keeps no Chicago clock.
                  const zones = COUNTRIES[country].timeZones;
                  set({ country, timeZone: zones.includes(draft.timeZone) ? draft.timeZone : zones[0]! });
                }}
              >
                {COUNTRY_CODES.map((code) => (
                  <option key={code} value={code}>
                    {COUNTRIES[code].name}
                  </option>
                ))}
              </select>
              <small className="muted">
                Dates, times, money, paper size ({COUNTRIES[draft.country].paper === 'a4' ? 'A4' : 'Letter'}), how phone numbers are read and the texting rules follow it. {COUNTRIES[draft.country].sms.summary}
              </small>
            </label>
            <div className="actions">
              <button type="submit" className="primary">
                Save shop details
              </button>
            </div>
          </form>
          <form id="set-languages" className="panel" aria-labelledby="languages-heading" onSubmit={(e) => void save(e, pick(draft, ['customerLanguages']), 'Customer languages')}>
            <h3 id="languages-heading">Languages customers read</h3>
            <p className="muted small">
              Customers choose one of these on their page and at check-in; their texts, emails and printed papers follow it. Staff screens stay
              in the shop’s language. Unless the shop chooses, a US or Canadian shop offers English and Spanish, a UK shop English.
            </p>
            <fieldset className="language-choices">
              <legend className="visually-hidden">Languages offered</legend>
              {CUSTOMER_LANGUAGES.map((language) => (
                <label key={language} className="field-inline">
                  <input
                    type="checkbox"
                    disabled={language === 'en'}
                    checked={draft.customerLanguages.includes(language)}
                    onChange={(e) =>
                      set({
                        customerLanguages: CUSTOMER_LANGUAGES.filter((l) => (l === language ? e.target.checked : draft.customerLanguages.includes(l))),
                      })
                    }
                  />{' '}
                  <span lang={language}>{languageName(language)}</span>
                  {language === 'en' ? <span className="muted small"> (always)</span> : null}
                </label>
              ))}
            </fieldset>
            <div className="actions">
              <button type="submit" className="primary">
                Save customer languages
              </button>
            </div>
          </form>

          <PhoneCheck />

          <form id="set-branding" className="panel" aria-labelledby="branding-heading" onSubmit={(e) => void save(e, pick(draft, ['colorPrimary', 'colorAccent']), capital(deskWords().colors))}>
            <h3 id="branding-heading">Logo and {deskWords().colors}</h3>
            <div className="row">
              <label className="field">
                <span>Main {deskWords().color.toLowerCase()}</span>
                <input type="color" value={draft.colorPrimary} onChange={(e) => set({ colorPrimary: e.target.value })} />
              </label>
              <label className="field">
                <span>Accent {deskWords().color.toLowerCase()}</span>
                <input type="color" value={draft.colorAccent} onChange={(e) => set({ colorAccent: e.target.value })} />
              </label>
              <label className="field">
                <span>Logo (PNG or JPEG)</span>
                <input type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => void uploadLogo(e.target.files?.[0])} />
              </label>
            </div>
            <div className="actions">
              <button type="submit" className="primary">
                Save {deskWords().colors}
              </button>
              {draft.logoHash ? (
                <button type="button" onClick={() => void save(null, { logoHash: null }, 'Logo removal')}>
                  Remove logo
                </button>
              ) : null}
            </div>
          </form>

          <form id="set-wording" className="panel" aria-labelledby="wording-heading" onSubmit={(e) => void save(e, { stageWording: draft.stageWording }, 'Stage wording')}>
            <h3 id="wording-heading">Stage wording for customers</h3>
            <p className="muted small">One sentence per stage; customers read it on the portal under the stage name.</p>
            {STAGES.map((s) => (
              <label key={s} className="field">
                <span>{STAGE_LABELS[s]}</span>
                <input
                  value={draft.stageWording[s]}
                  maxLength={300}
                  placeholder={DEFAULT_STAGE_WORDING[s]}
                  onChange={(e) => set({ stageWording: { ...draft.stageWording, [s]: e.target.value } })}
                />
              </label>
            ))}
            <div className="actions">
              <button type="submit" className="primary">
                Save wording
              </button>
            </div>
          </form>

          <SubStatuses />
          <ExceptionTags />
          <StaffSection />

          <PrintingDefaults />

          <AppointmentSettings />
          <TextSettings />
          <AfterRepairSettings />
          <CallSettings />
          <ReportSettings />
          <DraftingSettings />
          <AutomationSettings />

          <MailSettings />

          <EmailTemplateSettings />

          <EsignSettings />

          <ProviderSettings />

          {pairing ? null : <RelaySection />}
        </div>
        <aside className="settings-side" aria-label="Portal preview">
          <PortalPreview
            name={draft.name}
            phone={draft.phone}
            logoUrl={logoUrl}
            primary={draft.colorPrimary}
            accent={draft.colorAccent}
            wording={draft.stageWording}
          />
        </aside>
      </div>
    </div>
  );
}

function pick<T, K extends keyof T>(value: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, value[k]])) as Pick<T, K>;
}

function TextField({ label, value, onChange }: { label: string; value: string; onChange(v: string): void }) {
  return (
    <label className="field">
      <span>{label}</span>
      <input value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

function SubStatuses() {
  const { api } = useDesk();
  const list = useLive(api, () => api.call('substatus-list', {}), ['sub_statuses'], []);
  const [name, setName] = useState('');
  const [stage, setStage] = useState<Stage>('repair-started');
  const [problem, setProblem] = useState<string | null>(null);
  async function add(e: FormEvent) {
    e.preventDefault();
    try {
      await api.call('substatus-save', { name, stage });
      setName('');
      setProblem(null);
      void list.reload();
    } catch (err) {
      setProblem(messageOf(err));
    }
  }
  const toggle = (s: SubStatus) =>
    api.call('substatus-save', { id: s.id, name: s.name, stage: s.stage, active: !s.active }).then(() => list.reload(), (err) => setProblem(messageOf(err)));
  return (
    <section id="set-substatuses" className="panel" aria-labelledby="sub-heading">
      <h3 id="sub-heading">Sub-statuses</h3>
      <p className="muted small">Internal steps inside a stage (for example “Parts ordered” under Repair started). Customers see only the stage.</p>
      {list.data?.length === 0 ? <p className="muted">None yet.</p> : null}
      <ul className="plain-list">
        {list.data?.map((s) => (
          <li key={s.id} className={s.active ? '' : 'muted'}>
            {s.name} <span className="muted">· {STAGE_LABELS[s.stage]}</span>{' '}
            <button type="button" className="quiet" onClick={() => void toggle(s)}>
              {s.active ? 'Retire' : 'Bring back'} <span className="visually-hidden">{s.name}</span>
            </button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={(e) => void add(e)}>
        <label className="field grow">
          <span>New sub-status</span>
          <input value={name} maxLength={60} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Under stage</span>
          <select value={stage} onChange={(e) => setStage(e.target.value as Stage)}>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {STAGE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="align-end" disabled={!name.trim()}>
          Add
        </button>
      </form>
      {problem ? <p role="alert" className="field-problem">{problem}</p> : null}
    </section>
  );
}

function ExceptionTags() {
  const { api } = useDesk();
  const list = useLive(api, () => api.call('exception-tag-list', {}), ['exception_tags'], []);
  const [tag, setTag] = useState('#');
  const [reason, setReason] = useState<DelayReason>('parts-delay');
  const [problem, setProblem] = useState<string | null>(null);
  async function add(e: FormEvent) {
    e.preventDefault();
    try {
      await api.call('exception-tag-save', { tag: tag.trim().toLowerCase(), reason });
      setTag('#');
      setProblem(null);
      void list.reload();
    } catch (err) {
      setProblem(messageOf(err));
    }
  }
  return (
    <section id="set-tags" className="panel" aria-labelledby="tags-heading">
      <h3 id="tags-heading">Exception tags</h3>
      <p className="muted small">Each tag maps to a standard delay reason, so every insurer sees the same wording.</p>
      <ul className="plain-list columns">
        {list.data?.map((t: ExceptionTag) => (
          <li key={t.tag}>
            <span className="tag">{t.tag}</span> {t.reasonLabel}
            {t.standard ? <span className="muted small"> (standard)</span> : null}
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={(e) => void add(e)}>
        <label className="field">
          <span>New tag</span>
          <input value={tag} maxLength={31} onChange={(e) => setTag(e.target.value)} />
        </label>
        <label className="field grow">
          <span>Delay reason</span>
          <select value={reason} onChange={(e) => setReason(e.target.value as DelayReason)}>
            {Object.entries(DELAY_REASONS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="align-end" disabled={tag.trim().length < 3}>
          Add tag
        </button>
      </form>
      {problem ? <p role="alert" className="field-problem">{problem}</p> : null}
    </section>
  );
}

function PrintingDefaults() {
  const { api } = useDesk();
  const [settings, setSettings] = useState<PrintSettings | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    void api.call('print-settings-get', {}).then(setSettings, (err) => setProblem(messageOf(err)));
  }, [api]);
  async function choose(kind: PrintKind, paper: Paper) {
    try {
      setSettings(await api.call('print-settings-save', { kind, paper }));
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }
  return (
    <section id="set-printing" className="panel" aria-labelledby="printing-heading">
      <h3 id="printing-heading">Printing</h3>
      <p className="muted small">Paper for each document on this PC (each PC keeps its own, as its printers are its own). Printers are chosen in the print dialog.</p>
      {settings ? (
        <div className="row">
          {PRINT_KINDS.map((kind) => (
            <label key={kind} className="field">
              <span>{KIND_LABELS[kind]}</span>
              <select value={settings[kind].paper} onChange={(e) => void choose(kind, e.target.value as Paper)}>
                {PAPERS_FOR[kind].map((p) => (
                  <option key={p} value={p}>
                    {PAPERS[p].label}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
      ) : null}
      {problem ? <p role="alert" className="field-problem">{problem}</p> : null}
    </section>
  );
}

const ROLES: StaffRole[] = ['advisor', 'estimator', 'manager', 'technician', 'owner'];

function StaffSection() {
  const { api, staff } = useDesk();
  const [name, setName] = useState('');
  const [role, setRole] = useState<StaffRole>('advisor');
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  async function add(e: FormEvent) {
    e.preventDefault();
    try {
      await api.call('staff-create', { name, role, pin });
      setName('');
      setPin('');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }
  return (
    <section id="set-staff" className="panel" aria-labelledby="staff-heading">
      <h3 id="staff-heading">Staff</h3>
      {staff.length === 0 ? <p className="muted">Nobody yet. Add the people who use this desk; each switches in with their PIN.</p> : null}
      <ul className="plain-list columns">
        {staff.map((s: StaffMember) => (
          <li key={s.id}>
            {s.name} <span className="muted">· {s.role}</span>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={(e) => void add(e)}>
        <label className="field grow">
          <span>Name</span>
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as StaffRole)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>PIN (4–8 digits)</span>
          <input type="password" inputMode="numeric" autoComplete="new-password" value={pin} maxLength={8} onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))} />
        </label>
        <button type="submit" className="align-end" disabled={!name.trim() || pin.length < 4}>
          Add person
        </button>
      </form>
      {problem ? <p role="alert" className="field-problem">{problem}</p> : null}
    </section>
  );
}

function RelaySection({ pairing }: { pairing?: PairingLink }) {
  const { api } = useDesk();
  const [status, setStatus] = useState<SyncStatus | null>(null);
  // A bayline:// pairing link fills both in; the person still presses Pair.
  const [relayUrl, setRelayUrl] = useState(pairing?.relayUrl ?? 'https://');
  const [code, setCode] = useState(pairing?.code ?? '');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    void api.call('sync-status', {}).then(setStatus, () => undefined);
    return api.onEvent((e) => {
      if (e.type === 'sync') setStatus(e.status);
    });
  }, [api]);
  async function pair(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      setStatus(await api.call('sync-pair', { relayUrl, code }));
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section id="set-relay" className="panel" aria-labelledby="relay-heading">
      <h3 id="relay-heading">Relay (other desks and the customer portal)</h3>
      {status?.paired ? (
        <p>
          Connected to <strong>{status.relayUrl}</strong> as workspace <strong>{status.workspace}</strong>. Changes made here reach the other desks
          and the portal through it.
        </p>
      ) : (
        <form className="stack" onSubmit={(e) => void pair(e)}>
          <p className="muted small">
            Pair this desk with the shop’s relay to share repairs with the other desks and to give customers their portal link. Ask whoever runs
            the relay for a pairing code (valid 15 minutes). What this desk already holds is sent to the relay.
          </p>
          <div className="row">
            <label className="field grow">
              <span>Relay address</span>
              <input type="url" value={relayUrl} onChange={(e) => setRelayUrl(e.target.value)} />
            </label>
            <label className="field">
              <span>Pairing code</span>
              <input value={code} autoComplete="off" maxLength={16} onChange={(e) => setCode(e.target.value.toUpperCase())} />
            </label>
            <button type="submit" className="align-end primary" disabled={busy || code.length < 6}>
              {busy ? 'Pairing…' : 'Pair'}
            </button>
          </div>
          {problem ? <p role="alert" className="field-problem">{problem}</p> : null}
        </form>
      )}
    </section>
  );
}
