// The typed API between the UI and the desk core: one map of `domain-verb` methods, each with
// a zod schema for its arguments and the type of its result. Both transports (Electron IPC and
// the browser host's WebSocket) carry exactly these calls.
import { CUSTOMER_LANGUAGES } from '../i18n/customer-locale.js';
import { z } from 'zod';
import { CHANGED_ROWS_LIMIT } from '../domain.js';
import type {
  PhoneCheckReport,
  AuditEntry,
  BackupInfo,
  BayLink,
  Mailbox,
  UnassignedMail,
  EmailTemplate,
  MailMergePreview,
  ChangedEvent,
  Customer,
  ExceptionTag,
  MessageReceivedEvent,
  PortalLink,
  PortalTotals,
  RepairOrderDetail,
  RepairOrderSummary,
  BoardRows,
  SmsPreview,
  SmsSettings,
  SmsTemplate,
  StaffMember,
  SubStatus,
  SyncEvent,
  SyncStatus,
  TrackRequest,
  UnassignedText,
  WorkspaceSettings,
} from '../domain.js';
import { DELAY_REASONS } from '../exceptions.js';
import { PAPERS, PRINT_KINDS, type PrintSettings, type RenderedPrint } from '../printing.js';
import { STAGES } from '../stages.js';
import { MAIL_PROVIDERS, type MailProviderId } from '../email/providers.js';
import { EMAIL_AUDIENCES, MAX_EMAIL_ATTACHMENTS } from '../email/templates.js';
import type { AuditVerification } from '../sync/audit-chain.js';
import type { DraftingStatus, DraftProgressEvent, DraftResult, FactFlag } from '../drafting/context.js';
import { type DraftingSettings, draftingSettingsSchema } from '../drafting/settings.js';
import { CALL_API } from '../calls/api.js';
import { SCHEDULING_API } from '../scheduling/desk-api.js';
import { PROVIDER_API } from '../providers/desk-api.js';
import { CSI_API } from '../csi/desk-api.js';
import { REPORT_API } from '../reports/api.js';
import { AUTOMATION_API } from '../automations/desk-api.js';
import { esignDocumentArgs, esignTermsSchema } from '../esign/desk-args.js';
import type { EsignTerms, RenderedSignatureDocument, SignaturesView } from '../esign/desk.js';

function method<A extends z.ZodType>(args: A) {
  return { returns: <R>() => ({ args, result: undefined as unknown as R }) };
}

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\u0000]*$/, 'must not contain NUL characters');
const required = (max: number) => text(max).min(1, 'is required');
const optionalText = (max: number) => text(max).nullish();
const id = z.string().min(1, 'is required').max(64);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const cents = z.number().int('must be whole cents').min(0).max(1_000_000_000);
const stage = z.enum(STAGES);
const delayReason = z.enum(Object.keys(DELAY_REASONS) as [keyof typeof DELAY_REASONS, ...(keyof typeof DELAY_REASONS)[]]);
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a5fb4');
const pin = z.string().regex(/^\d{4,8}$/, 'must be 4 to 8 digits');
const blobHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in hex');
const none = z.object({}).strict();
const printKind = z.enum(PRINT_KINDS);
const paper = z.enum(Object.keys(PAPERS) as [keyof typeof PAPERS, ...(keyof typeof PAPERS)[]]);

/** "customer", "adjuster" (the repair's people) or an email address, named in the refusal when it is none. */
const mailRecipient = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .refine((v) => v === 'customer' || v === 'adjuster' || z.email().safeParse(v).success, { error: (iss) => `"${String(iss.input)}" is not an email address` });
const mailAttachmentIds = z.array(id).max(MAX_EMAIL_ATTACHMENTS, `may hold at most ${MAX_EMAIL_ATTACHMENTS} files`).default([]);

const dayHours = z.object({ open: z.string().regex(/^\d{2}:\d{2}$/), close: z.string().regex(/^\d{2}:\d{2}$/) }).nullable();

const customerFields = {
  firstName: required(100),
  lastName: required(100),
  mobile: optionalText(40),
  email: z.email('must be an email address').max(254).nullish(),
  preferredChannel: z.enum(['sms', 'email', 'phone']),
  /** Where the customer lives, when not where the shop is: automated texts follow their clock. */
  timeZone: z.string().max(64).refine(isTimeZone, 'must be a time zone such as America/Chicago').nullish(),
  /** The language the customer reads (portal, texts, mail, printed papers); null = the shop's. */
  language: z.enum(CUSTOMER_LANGUAGES, { error: `must be one of the customer languages: ${CUSTOMER_LANGUAGES.join(', ')}` }).nullish(),
};

export const newCustomerArgs = z.object({ ...customerFields, preferredChannel: customerFields.preferredChannel.default('sms') }).strict();

/** Only what is given changes (no defaults here: an edit of the mobile must not reset the channel). */
const customerUpdateArgs = z.object(customerFields).partial().extend({ id }).strict();

export const vehicleArgs = z
  .object({
    vin: optionalText(40),
    plate: optionalText(20),
    year: z.number().int().min(1900).max(2100).nullish(),
    make: optionalText(60),
    model: optionalText(60),
    color: optionalText(40),
  })
  .strict();

const roFields = {
  insurer: optionalText(120),
  claimNumber: optionalText(60),
  adjusterName: optionalText(120),
  adjusterEmail: z.email('must be an email address').max(254).nullish(),
  adjusterPhone: optionalText(40),
  deductibleCents: cents.nullish(),
  estimateTotalCents: cents.nullish(),
  promisedDate: isoDate.nullish(),
  courtesyCar: optionalText(200),
  assignedStaffId: id.nullish(),
};

export const API = {
  'workspace-get': method(none).returns<WorkspaceSettings>(),
  'workspace-update': method(
    z
      .object({
        name: required(120).optional(),
        slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'must be lower-case letters, digits and dashes').optional(),
        address: text(300).optional(),
        phone: text(40).optional(),
        email: z.union([z.email('must be an email address').max(254), z.literal('')]).optional(),
        hours: z.record(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), dayHours).optional(),
        timeZone: z.string().max(64).refine(isTimeZone, 'must be a time zone such as America/Chicago').optional(),
        logoHash: blobHash.nullable().optional(),
        colorPrimary: hexColor.optional(),
        colorAccent: hexColor.optional(),
        roNumberStart: z.number().int().min(1).max(999_999_999).optional(),
        stageWording: z.partialRecord(stage, text(300)).optional(),
        portalDaysAfterDelivery: z.number().int().min(1, 'must be at least 1 day').max(365, 'must be at most 365 days').optional(),
        bayPhotosPublished: z.boolean().optional(),
        country: z.enum(['US', 'GB', 'CA'], 'must be US, GB or CA').optional(),
        /** The languages offered to customers; English is always offered. */
        customerLanguages: z.array(z.enum(['en', 'es'], 'must be en or es')).max(10).optional(),
      })
      .strict(),
  ).returns<WorkspaceSettings>(),

  'staff-list': method(none).returns<StaffMember[]>(),
  'staff-create': method(
    z
      .object({ name: required(100), role: z.enum(['advisor', 'estimator', 'manager', 'technician', 'owner']), pin })
      .strict(),
  ).returns<StaffMember>(),
  'staff-switch': method(z.object({ staffId: id, pin }).strict()).returns<StaffMember>(),
  'staff-current': method(none).returns<StaffMember | null>(),

  'customer-create': method(newCustomerArgs).returns<Customer>(),
  'customer-update': method(customerUpdateArgs).returns<Customer>(),
  /** Reads every stored mobile again in the shop's country (E.164, mobile_kind); reports the ones it cannot read. Idempotent. */
  'phone-check': method(none).returns<PhoneCheckReport>(),
  'customer-search': method(z.object({ q: text(200), limit: z.number().int().min(1).max(50).default(10) }).strict()).returns<
    Customer[]
  >(),

  'vehicle-check-vin': method(z.object({ vin: text(40) }).strict()).returns<
    { ok: true; vin: string } | { ok: false; vin: string; problem: string }
  >(),

  'ro-find-duplicates': method(z.object({ vin: optionalText(40), plate: optionalText(20) }).strict()).returns<
    RepairOrderSummary[]
  >(),
  'ro-check-in': method(
    z
      .object({
        customer: z.union([z.object({ id }).strict(), newCustomerArgs]),
        vehicle: vehicleArgs,
        ...roFields,
        /** Set after the person saw the duplicate warning and chose to go on. */
        allowDuplicate: z.boolean().default(false),
      })
      .strict(),
  ).returns<RepairOrderDetail>(),
  'ro-get': method(z.object({ id }).strict()).returns<RepairOrderDetail>(),
  'ro-board': method(z.object({ includeClosed: z.boolean().default(false) }).strict()).returns<RepairOrderSummary[]>(),
  /** The cards touched by the rows of a `changed` event (repairs, their customers, cars, delays, photos, messages). */
  'ro-board-rows': method(
    z.object({ rows: z.record(z.string().max(64), z.array(z.string().max(64)).max(CHANGED_ROWS_LIMIT)) }).strict(),
  ).returns<BoardRows>(),
  'ro-update': method(z.object({ id, ...roFields }).strict().omit({ promisedDate: true })).returns<RepairOrderDetail>(),
  'ro-move-stage': method(z.object({ id, stage, subStatusId: id.nullish() }).strict()).returns<RepairOrderDetail>(),
  'ro-change-promised-date': method(
    z.object({ id, date: isoDate, reason: required(500).min(3, 'needs a reason the customer can understand') }).strict(),
  ).returns<RepairOrderDetail>(),

  'substatus-list': method(none).returns<SubStatus[]>(),
  'substatus-save': method(
    z
      .object({
        id: id.optional(),
        name: required(60),
        stage,
        position: z.number().int().min(0).max(1000).optional(),
        active: z.boolean().optional(),
      })
      .strict(),
  ).returns<SubStatus>(),

  'exception-tag-list': method(none).returns<ExceptionTag[]>(),
  'exception-tag-save': method(
    z
      .object({
        tag: z.string().regex(/^#[a-z0-9]{2,30}$/, 'must be # followed by 2 to 30 lower-case letters or digits'),
        reason: delayReason,
        active: z.boolean().default(true),
      })
      .strict(),
  ).returns<ExceptionTag>(),
  'exception-add': method(z.object({ roId: id, tag: required(32), note: optionalText(1000) }).strict()).returns<
    RepairOrderDetail
  >(),
  'exception-resolve': method(z.object({ id }).strict()).returns<RepairOrderDetail>(),

  'note-add': method(z.object({ roId: id, body: required(10_000) }).strict()).returns<RepairOrderDetail>(),

  'attachment-add': method(
    z
      .object({
        roId: id,
        kind: z.enum(['photo', 'document']),
        blobHash,
        fileName: required(255),
        mimeType: required(100),
        sizeBytes: z.number().int().min(0).max(500_000_000),
        published: z.boolean(),
        caption: optionalText(500),
        source: z.enum(['desk', 'bay', 'customer']).default('desk'),
      })
      .strict(),
  ).returns<RepairOrderDetail>(),
  'attachment-set-published': method(z.object({ id, published: z.boolean() }).strict()).returns<RepairOrderDetail>(),

  'portal-link-get': method(z.object({ roId: id }).strict()).returns<PortalLink>(),
  'portal-totals': method(none).returns<PortalTotals>(),
  /** A new customer link; with `rotate`, every earlier link of this repair stops working. */
  'portal-link-issue': method(z.object({ roId: id, rotate: z.boolean().default(false) }).strict()).returns<PortalLink>(),
  'portal-link-revoke': method(z.object({ roId: id }).strict()).returns<PortalLink>(),
  'bay-link-issue': method(z.object({ roId: id }).strict()).returns<BayLink>(),

  'message-send': method(z.object({ roId: id, body: required(2000) }).strict()).returns<RepairOrderDetail>(),
  'message-mark-read': method(z.object({ roId: id }).strict()).returns<RepairOrderDetail>(),

  // ---- texts (SMS): the desk writes drafts and approved texts; the relay sends them once.
  'sms-settings-get': method(none).returns<SmsSettings>(),
  'sms-settings-update': method(
    z
      .object({
        helpText: text(300).optional(),
        windowStart: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 08:00').optional(),
        windowEnd: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 21:00').optional(),
      })
      .strict(),
  ).returns<SmsSettings>(),
  'sms-template-list': method(none).returns<SmsTemplate[]>(),
  'sms-template-save': method(
    z
      .object({
        id: id.optional(),
        name: required(60),
        body: required(1000),
        active: z.boolean().default(true),
        /** Saves `body` as the template's wording in this customer language (the template must exist; name and active are the template's). */
        language: z.enum(['es'], 'must be es').optional(),
      })
      .strict(),
  ).returns<SmsTemplate>(),
  /** The final text for this repair (a template's or typed), its length and segments, and what stands in the way. */
  'sms-preview': method(z.object({ roId: id, templateId: id.optional(), body: text(1600).optional() }).strict()).returns<SmsPreview>(),
  /** Saves (or updates) a draft; nothing is sent until a person presses Send. */
  'sms-draft-save': method(
    z.object({ roId: id, id: id.optional(), templateId: id.optional(), body: required(1600) }).strict(),
  ).returns<RepairOrderDetail>(),
  'sms-draft-discard': method(z.object({ id }).strict()).returns<RepairOrderDetail>(),
  /**
   * Send: the person in this session approves the text (a draft by `draftId`, a template, or typed
   * `body`). Refused for an opted-out customer or a shop without a number; outside the customer's
   * texting hours it needs `confirmOutsideHours`.
   */
  'sms-send': method(
    z
      .object({
        roId: id,
        draftId: id.optional(),
        templateId: id.optional(),
        body: required(1600).optional(),
        confirmOutsideHours: z.boolean().default(false),
      })
      .strict(),
  ).returns<RepairOrderDetail>(),
  /** A person's answer for a text the relay could not be sure about: it reached the customer, or it did not. */
  'sms-check-resolve': method(z.object({ id, outcome: z.enum(['sent', 'not-sent']) }).strict()).returns<RepairOrderDetail>(),
  'sms-inbox-list': method(none).returns<UnassignedText[]>(),
  'sms-inbox-attach': method(z.object({ id, roId: id }).strict()).returns<UnassignedText[]>(),

  // ---- mail: the shop's mailboxes are connected on the relay; the desk asks for the sign-in page.
  'mail-mailbox-list': method(none).returns<Mailbox[]>(),
  /** The mail providers the shop's relay can connect (Settings shows one "Connect …" button each). */
  'mail-providers': method(none).returns<Array<{ id: MailProviderId; name: string }>>(),
  /** The provider's sign-in address (Google, Microsoft) for the person at this window (owner or manager), single use. */
  'mail-connect-start': method(z.object({ provider: z.enum(MAIL_PROVIDERS).default('gmail') }).strict()).returns<{ url: string }>(),
  /**
   * A plain IMAP/SMTP mailbox (owner or manager): the relay logs in to both servers first and says
   * which one refused; only then is the mailbox kept, and it arrives here by sync.
   */
  'mail-connect-imap': method(
    z
      .object({
        address: required(254),
        user: z.string().trim().max(320).default(''),
        password: z.string().min(1, 'Enter the mailbox\'s password.').max(1000),
        imapHost: required(253),
        imapPort: z.coerce.number().int().min(1).max(65535).default(993),
        imapSecurity: z.enum(['tls', 'starttls', 'none']).default('tls'),
        smtpHost: required(253),
        smtpPort: z.coerce.number().int().min(1).max(65535).default(465),
        smtpSecurity: z.enum(['tls', 'starttls', 'none']).default('tls'),
      })
      .strict(),
  ).returns<{ address: string }>(),
  /** Revokes Bayline's access at the provider where it can (Google; Outlook: its subscription) and forgets the mailbox's token (owner or manager). */
  'mail-disconnect': method(z.object({ id }).strict()).returns<Mailbox[]>(),
  /**
   * Send: the person at this window approves a reply to a mail on this repair (to its sender, in
   * its thread, from the mailbox it came to). The relay sends it once.
   */
  'mail-inbox-list': method(none).returns<UnassignedMail[]>(),
  /** Attaches the mail, and the rest of its thread still unassigned, to a repair; later mail in the thread follows. */
  'mail-inbox-attach': method(z.object({ id, roId: id }).strict()).returns<UnassignedMail[]>(),
  /** Sets a mail aside (not about a repair): it leaves the inbox and stays in the mailbox. */
  'mail-inbox-ignore': method(z.object({ id }).strict()).returns<UnassignedMail[]>(),
  'mail-reply': method(
    z
      .object({
        roId: id,
        replyToId: id,
        body: required(20_000),
        /** Also to everyone else the mail was to or copied to (the shop's own mailboxes left out), as Cc. */
        replyAll: z.boolean().default(false),
        /** The repair's documents and photos to send with it (`attachments` ids). */
        attachmentIds: mailAttachmentIds,
        templateId: id.optional(),
      })
      .strict(),
  ).returns<RepairOrderDetail>(),

  // ---- writing mail (new mail from the repair, templates, a person's answer to "check needed").
  /**
   * Send: the person at this window approves a new mail from the repair. `to`/`cc` take
   * "customer" (the customer's email), "adjuster" (the repair's adjuster email) or an address.
   * From `mailboxId`, or the mailbox of the repair's last mail, or the first connected. Merge
   * fields left in the subject or text are filled in now.
   */
  'mail-compose': method(
    z
      .object({
        roId: id,
        to: z.array(mailRecipient).min(1, 'needs at least one address').max(50, 'may hold at most 50 addresses'),
        cc: z.array(mailRecipient).max(50, 'may hold at most 50 addresses').default([]),
        subject: required(300),
        body: required(50_000),
        mailboxId: id.optional(),
        attachmentIds: mailAttachmentIds,
        templateId: id.optional(),
      })
      .strict(),
  ).returns<RepairOrderDetail>(),
  /** A template's (or the typed) subject and text with this repair's fields filled in. */
  'mail-merge-preview': method(
    z.object({ roId: id, templateId: id.optional(), subject: text(300).optional(), body: text(50_000).optional() }).strict(),
  ).returns<MailMergePreview>(),
  /**
   * A person's answer for a mail the relay could not be sure about: "sent" (it is in the Sent
   * folder) or "send-again" (it is not: a new mail with a new Message-ID and the same content is
   * approved, and this one is marked not sent). The same row is never sent twice.
   */
  'mail-check-resolve': method(z.object({ id, outcome: z.enum(['sent', 'send-again']) }).strict()).returns<RepairOrderDetail>(),
  'email-template-list': method(none).returns<EmailTemplate[]>(),
  /** Refuses a subject or text naming a field Bayline cannot fill in (named in the message). */
  'email-template-save': method(
    z
      .object({
        id: id.optional(),
        name: required(80),
        audience: z.enum(EMAIL_AUDIENCES).default('any'),
        subject: required(300),
        body: required(20_000),
        active: z.boolean().default(true),
        /** Saves subject and text as the template's wording in this customer language (the template must exist). */
        language: z.enum(['es'], 'must be es').optional(),
      })
      .strict(),
  ).returns<EmailTemplate>(),
  'email-template-delete': method(z.object({ id }).strict()).returns<EmailTemplate[]>(),
  /** The templates in this order (every template's id once). */
  'email-template-order': method(z.object({ ids: z.array(id).min(1).max(500) }).strict()).returns<EmailTemplate[]>(),

  // ---- drafts (issue 15): a model's or the templates' draft; nothing here ever sends.
  /**
   * A draft for this repair: the shop's model through the relay (streamed as `draft-progress`
   * events with `requestId`), else the template drafter with a `notice` saying why. A text draft is
   * saved like `sms-draft-save` (it syncs; only Send approves it); a mail draft stays in the composer.
   */
  'draft-create': method(
    z
      .object({
        roId: id,
        channel: z.enum(['sms', 'email']),
        recipient: z.enum(['customer', 'adjuster']).default('customer'),
        /** The stage the repair just reached, for a milestone draft ("Completed"). */
        milestone: text(60).optional(),
        /** The message being answered ("Draft reply"). */
        replyToId: id.optional(),
        /** Names the `draft-progress` events of this draft. */
        requestId: z.string().min(1).max(100).optional(),
        /** A text draft from an earlier Draft in the same composer: it is rewritten instead of adding another. */
        draftId: id.optional(),
      })
      .strict(),
  ).returns<DraftResult>(),
  /** The facts in `body` that the repair does not hold (after a person edited a draft). */
  'draft-check': method(
    z.object({ roId: id, channel: z.enum(['sms', 'email']), recipient: z.enum(['customer', 'adjuster']).default('customer'), body: text(50_000) }).strict(),
  ).returns<FactFlag[]>(),
  'drafting-settings-get': method(none).returns<DraftingSettings>(),
  'drafting-settings-save': method(draftingSettingsSchema).returns<DraftingSettings>(),
  /** The relay's model and this month's usage; `enabled` false when the relay cannot be asked. */
  'drafting-status': method(none).returns<DraftingStatus & { reachable: boolean }>(),

  // ---- e-signature (issue 16): the desk makes the document and the request; the relay does the rest.
  /** The repair's signature requests (newest first) and the customer's consent to sign electronically. */
  'esign-list': method(z.object({ roId: id }).strict()).returns<SignaturesView>(),
  /**
   * Makes the document (or takes the shop's own PDF) and the request for the customer to sign in
   * the portal; a newer version of the same kind voids the older unsigned ones. Refused with
   * `esign-consent-withdrawn` when the customer withdrew consent: print it (`esign-render`) instead.
   */
  'esign-create': method(esignDocumentArgs).returns<SignaturesView>(),
  /** The same document as `esign-create` would make, stored nowhere: to preview, or to print for a wet signature. */
  'esign-render': method(esignDocumentArgs).returns<RenderedSignatureDocument>(),
  /** Staff withdraws a request the customer has not signed yet. */
  'esign-void': method(z.object({ id, reason: optionalText(300) }).strict()).returns<SignaturesView>(),
  'esign-terms-get': method(none).returns<EsignTerms>(),
  'esign-terms-save': method(esignTermsSchema).returns<EsignTerms>(),

  'track-request-list': method(none).returns<TrackRequest[]>(),
  'track-request-handle': method(z.object({ id }).strict()).returns<TrackRequest[]>(),

  /** The real PDF of a work order, dashboard tag or check-in receipt; paper from this PC's settings unless given. */
  'print-render': method(z.object({ roId: id, kind: printKind, paper: paper.optional() }).strict()).returns<RenderedPrint>(),
  'print-settings-get': method(none).returns<PrintSettings>(),
  'print-settings-save': method(
    z.object({ kind: printKind, paper: paper.optional(), printer: text(300).nullable().optional() }).strict(),
  ).returns<PrintSettings>(),

  'search-query': method(z.object({ q: text(200), limit: z.number().int().min(1).max(50).default(20) }).strict()).returns<
    RepairOrderSummary[]
  >(),

  'audit-list': method(z.object({ roId: id.optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict()).returns<
    AuditEntry[]
  >(),
  'audit-verify': method(none).returns<AuditVerification>(),

  'sync-status': method(none).returns<SyncStatus>(),
  /** Pairs this open desk with the shop's relay (a one-time code from the operator) and starts syncing at once. */
  'sync-pair': method(
    z
      .object({
        relayUrl: z.string().trim().regex(/^https?:\/\/[^\s]+$/, 'must be an address such as https://relay.example.com').max(300),
        code: z.string().trim().regex(/^[A-Za-z0-9-]{6,16}$/, 'must be the pairing code the operator gave you'),
        deviceName: optionalText(100),
      })
      .strict(),
  ).returns<SyncStatus>(),

  /** The demo phone page's address while `npm start` runs the demo shop's built-in fake Telnyx; null otherwise. */
  'demo-phone-get': method(none).returns<{ url: string | null }>(),

  'backup-create': method(none).returns<BackupInfo>(),
  'backup-list': method(none).returns<BackupInfo[]>(),

  ...CALL_API,
  // ---- scheduling (issue 17): Settings › Appointments, the calendar, asking for a time, the feed.
  ...SCHEDULING_API,
  // ---- work providers (issue 19): Settings › Work providers, "share with insurer".
  ...PROVIDER_API,
  ...CSI_API,
  // ---- reports and insurer scorecards (issues 18 and 20): owner and manager only.
  ...REPORT_API,
  // ---- automations (issue 20): Settings › Automations.
  ...AUTOMATION_API,
} as const;

export type ApiMethod = keyof typeof API;
export type ArgsOf<M extends ApiMethod> = z.input<(typeof API)[M]['args']>;
export type ParsedArgsOf<M extends ApiMethod> = z.output<(typeof API)[M]['args']>;
export type ResultOf<M extends ApiMethod> = (typeof API)[M]['result'];

export type PushEvent = ChangedEvent | SyncEvent | MessageReceivedEvent | DraftProgressEvent;

/**
 * Photos and PDFs move beside the typed calls (the browser host's WebSocket frames stop at 1 MiB):
 * `upload` stores a file from this PC in the desk's file store and answers its hash, which
 * `attachment-add` then names. It takes the File (or Blob) itself, so the file streams from disk
 * (the browser host's POST body; in Electron the main process reads the file's path) and is never
 * read whole into the page's memory. `read` gives back a file the desk holds (null while it has not
 * arrived from another desk yet) as an ArrayBuffer, because Electron's context bridge copies those.
 */
export interface BaylineFiles {
  /** `mimeType` in the answer is the type stored: an iPhone's HEIC photo is kept as a JPEG. */
  upload(file: Blob, mimeType: string): Promise<{ hash: string; sizeBytes: number; mimeType?: string }>;
  read(hash: string): Promise<ArrayBuffer | null>;
}

/** What the renderer holds as `window.bayline`, whichever transport is behind it. */
export interface BaylineApi {
  call<M extends ApiMethod>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>>;
  onEvent(listener: (event: PushEvent) => void): () => void;
  files: BaylineFiles;
}

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.hasOwn(API, name);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
