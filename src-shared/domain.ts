// The shop's data as the API hands it out (camelCase, money in cents, dates as ISO strings).
import type { DelayReason } from './exceptions.js';
import type { Stage } from './stages.js';
import type { MailProviderId } from './email/providers.js';

export interface OpeningHours {
  /** Keyed mon…sun; null when closed that day. Times are "HH:MM" in the shop's time zone. */
  [day: string]: { open: string; close: string } | null;
}

export interface WorkspaceSettings {
  name: string;
  slug: string;
  address: string;
  phone: string;
  email: string;
  hours: OpeningHours;
  timeZone: string;
  logoHash: string | null;
  colorPrimary: string;
  colorAccent: string;
  roNumberStart: number;
  stageWording: Record<Stage, string>;
  /** How long the customer's portal link keeps working after the car is delivered. */
  portalDaysAfterDelivery: number;
  /** Whether photos from the bay camera go to the portal unless the technician marks them internal. */
  bayPhotosPublished: boolean;
  /** The shop's country: date order, clock, money, paper, phone numbers and texting rules (src-shared/locale/country.ts). */
  country: 'US' | 'GB' | 'CA';
  /** The languages the shop offers its customers (English always; null stored = the country's own: en+es in the US and Canada, en in the UK). */
  customerLanguages: Array<'en' | 'es'>;
}

export type StaffRole = 'advisor' | 'estimator' | 'manager' | 'technician' | 'owner';

export interface StaffMember {
  id: string;
  name: string;
  role: StaffRole;
  active: boolean;
}

export type PreferredChannel = 'sms' | 'email' | 'phone';

export interface Customer {
  id: string;
  firstName: string;
  lastName: string;
  mobile: string | null;
  email: string | null;
  preferredChannel: PreferredChannel;
  /** The customer texted STOP (or the carrier said so): no text may be sent until they text START. */
  smsOptedOut: boolean;
  /** The customer's own time zone, when set; otherwise the shop's is theirs. */
  timeZone: string | null;
  /** What the phone metadata says `mobile` is; 'landline' cannot receive texts. Null before it was read. */
  mobileKind: 'mobile' | 'landline' | 'either' | 'unknown' | null;
  /** The language the customer reads ('en', 'es'); null = the shop's (issue 22). */
  language: string | null;
}

/** The stored-numbers check (issue 22): how many were read, how many rewritten, and the ones left as they were. */
export interface PhoneCheckReport {
  checked: number;
  updated: number;
  unreadable: Array<{ customerId: string; name: string; mobile: string; problem: string }>;
}

export interface Vehicle {
  id: string;
  customerId: string | null;
  vin: string | null;
  plate: string | null;
  year: number | null;
  make: string | null;
  model: string | null;
  color: string | null;
}

export interface SubStatus {
  id: string;
  name: string;
  stage: Stage;
  position: number;
  active: boolean;
}

export interface ExceptionTag {
  tag: string;
  reason: DelayReason;
  reasonLabel: string;
  standard: boolean;
}

/** What a board card and a search hit show. */
export interface RepairOrderSummary {
  id: string;
  roNumber: number;
  stage: Stage;
  subStatus: string | null;
  customerName: string;
  customerMobile: string | null;
  vehicle: string;
  plate: string | null;
  vin: string | null;
  insurer: string | null;
  claimNumber: string | null;
  promisedDate: string | null;
  overdue: boolean;
  openExceptions: string[];
  photoCount: number;
  /** Messages from the customer nobody at the shop has read yet. */
  unreadMessages: number;
  assignedStaffId: string | null;
  closed: boolean;
}

export interface StageEvent {
  id: string;
  stage: Stage;
  subStatus: string | null;
  at: string;
  staffName: string | null;
}

export interface PromisedDateChange {
  id: string;
  fromDate: string | null;
  toDate: string;
  reason: string;
  at: string;
  staffName: string | null;
}

export interface RoException {
  id: string;
  tag: string;
  reason: DelayReason;
  reasonLabel: string;
  note: string | null;
  openedAt: string;
  resolvedAt: string | null;
}

export interface Note {
  id: string;
  body: string;
  at: string;
  staffName: string | null;
}

export type AttachmentKind = 'photo' | 'document';
export type AttachmentSource = 'desk' | 'bay' | 'customer' | 'email';

export interface Attachment {
  id: string;
  kind: AttachmentKind;
  blobHash: string;
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  published: boolean;
  caption: string | null;
  source: AttachmentSource;
  addedAt: string;
  /** The message this file came with (a customer's photo in the conversation), if any. */
  messageId: string | null;
  /** The shop lets the work provider (insurer) see it, when its grant shares photos or documents (issue 19). */
  sharedWithInsurer?: boolean;
}

export type MessageChannel = 'portal' | 'sms' | 'email';

/** One thing said to or by the customer, on whatever channel. */
export interface Message {
  id: string;
  channel: MessageChannel;
  direction: 'in' | 'out';
  body: string;
  at: string;
  /** Who wrote it: the staff member's name, or the customer's. */
  author: string;
  read: boolean;
  /** Delivery state for texts and mail (null for portal messages, which are there once synced). */
  status: string | null;
  /** Why a text is held, refused, failed or needs checking, in the shop's words. */
  statusDetail: string | null;
  attachments: Attachment[];
  /** Mail only (channel 'email'): subject, people and the HTML part; null for texts and portal messages. */
  email: EmailDetails | null;
  /** The shop lets the work provider (insurer) read it, when its grant shares messages (issue 19). */
  sharedWithInsurer?: boolean;
}

export interface MailPerson {
  name: string;
  address: string;
}

/** What a mail adds to a conversation message. `body` is its text; `html` is shown only sanitised. */
export interface EmailDetails {
  subject: string;
  from: MailPerson | null;
  to: MailPerson[];
  cc: MailPerson[];
  html: string | null;
  mailboxId: string | null;
}

/** A mail no repair matched, waiting for a person to attach it or set it aside. */
export interface UnassignedMail {
  id: string;
  from: MailPerson | null;
  subject: string;
  /** The start of its text. */
  body: string;
  at: string;
  mailboxAddress: string | null;
}

/** A shop mailbox as the desk sees it (written by the relay). */
export interface Mailbox {
  id: string;
  provider: MailProviderId;
  address: string;
  state: 'connected' | 'reconnect-needed' | 'disconnected';
  connectedAt: string | null;
  /** The last problem, in the shop's words, with what to do. */
  lastError: string | null;
}

/** The customer's portal link for one repair, as this desk knows it. */
export interface PortalLink {
  /** Whether a link that works exists (issued by any desk, not revoked, not expired). */
  active: boolean;
  /** The full link, when this desk issued it (other desks hold only its hash). */
  url: string | null;
  issuedAt: string | null;
  views: number;
  viewsBySource: Record<string, number>;
  lastViewedAt: string | null;
  /** Why there is no link to hand out, in the shop's words. */
  problem: string | null;
}

/** Portal use across the shop: how often customers looked instead of calling. */
export interface PortalTotals {
  views: number;
  /** Views that came from scanning a printed QR code. */
  qrScans: number;
  viewsBySource: Record<string, number>;
  repairsViewed: number;
}

/** The bay camera link for the dashboard tag. */
export interface BayLink {
  url: string;
  expiresAt: string;
}

/** A "track my repair" request from the public shop page that matched a repair. */
export interface TrackRequest {
  id: string;
  roId: string;
  roNumber: number;
  customerName: string;
  at: string;
  channel: 'sms' | 'email';
  destination: string;
  handled: boolean;
}

export interface RepairOrderDetail extends RepairOrderSummary {
  customer: Customer;
  vehicleDetail: Vehicle;
  adjusterName: string | null;
  adjusterEmail: string | null;
  adjusterPhone: string | null;
  deductibleCents: number | null;
  estimateTotalCents: number | null;
  courtesyCar: string | null;
  checkedInAt: string;
  closedAt: string | null;
  timeline: StageEvent[];
  promisedDateHistory: PromisedDateChange[];
  exceptions: RoException[];
  notes: Note[];
  attachments: Attachment[];
  messages: Message[];
  portal: PortalLink;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  actorName: string;
  action: string;
  summary: string;
  roId: string | null;
  changes: Array<{ table: string; id: string; before: Record<string, unknown> | null; after: Record<string, unknown> }>;
}

export interface BackupInfo {
  name: string;
  createdAt: string;
  reason: string;
  sizeBytes: number;
}

/** Pushed to every open window when data changed (locally or from another desk). */
export interface ChangedEvent {
  type: 'changed';
  tables: string[];
  /**
   * The ids of the changed rows by table, so a screen can read back only those (the board its
   * changed cards). Left out when the change was large (a catch-up page): read everything again.
   */
  rows?: Record<string, string[]>;
}

/** Rows named in a `changed` event beyond this many in all: the event carries only the tables. */
export const CHANGED_ROWS_LIMIT = 500;

/** `ro-board-rows`: the board cards a set of changed rows touches. */
export interface BoardRows {
  /** Every repair the changed rows belong to; those not in `ros` are no longer on the board (closed or gone). */
  checked: string[];
  /** The cards of the repairs in `checked` that are open, as `ro-board` gives them. */
  ros: RepairOrderSummary[];
}

/** Whether this desk is meeting the others through the relay. */
export interface SyncStatus {
  paired: boolean;
  relayUrl: string | null;
  workspace: string | null;
  online: boolean;
  /** When the connection was lost (null while online). */
  offlineSince: string | null;
  /** Changes made here that the relay has not confirmed yet. */
  changesWaiting: number;
  /** The same as a person counts it: saved actions (a check-in, a stage move) not yet confirmed. */
  actionsWaiting: number;
  /** Photos and documents still to upload, and still to download from other desks. */
  filesToSend: number;
  filesToFetch: number;
  /** Files the relay lost and asked the desks for that this desk does not hold either (another desk may). */
  filesLostElsewhere: number;
  lastSyncedAt: string | null;
  /** Something a person must act on (e.g. the desk was disconnected by the operator). */
  problem: string | null;
  /** A sentence when this PC's clock is far from the relay's ("This PC's clock is 2 days ahead; …"), else null. */
  clock: string | null;
}

/**
 * Pushed when messages from customers arrive from the relay (texts, portal messages), once per
 * message in this desk process: the UI shows a notification. Unread counts come with `changed`.
 */
export interface MessageReceivedEvent {
  type: 'message-received';
  messages: Array<{ id: string; roId: string | null; channel: MessageChannel; author: string; body: string; at: string }>;
}

/** Pushed when the sync state changes (online/offline, changes waiting). */
export interface SyncEvent {
  type: 'sync';
  status: SyncStatus;
}

// ---- texts (SMS) ------------------------------------------------------------------------------

/** The shop's texting set-up as the desk sees it (the number and 10DLC state come from the relay). */
export interface SmsSettings {
  /** The shop's texting number (E.164), null until the operator provisions one. */
  number: string | null;
  /** 'active', 'pending', 'not-registered', 'rejected', or null when unknown. */
  tenDlcStatus: string | null;
  /** A sentence to show while texts may not reach customers (no number, 10DLC not active). */
  warning: string | null;
  /** When automated texts may go, in the customer's local time ("HH:MM"). */
  window: { start: string; end: string };
  /** The shop's answer to HELP ('' for the standard one). */
  helpText: string;
}

export interface SmsTemplate {
  id: string;
  name: string;
  /** 'received', 'supplement-approved', 'ready-for-pickup', 'paid', or null for the shop's own. */
  milestone: string | null;
  body: string;
  active: boolean;
  /** One of the four every shop starts with. */
  standard: boolean;
  /**
   * The same text in the other customer languages (issue 22): the shop's own wording
   * (`own`), else the standard template's default in that language, else empty (the customer
   * gets `body`).
   */
  wordings: Array<{ language: 'es'; body: string; own: boolean }>;
}

export type SmsWarningCode = 'landline' | 'no-number' | 'tendlc-not-active' | 'outside-hours' | 'opted-out' | 'no-mobile' | 'missing-fields' | 'long';

export interface SmsWarning {
  code: SmsWarningCode;
  message: string;
  /** True when the text cannot be sent at all (as opposed to a warning a person may accept). */
  blocking: boolean;
}

/** What the customer will receive, and what a person should know before pressing Send. */
export interface SmsPreview {
  text: string;
  characters: number;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  to: string | null;
  missingFields: string[];
  warnings: SmsWarning[];
  /** No blocking warning. Outside hours, `sms-send` also needs `confirmOutsideHours`. */
  canSend: boolean;
}

/** A text that arrived from a number no single open repair matched: a person attaches it. */
export interface UnassignedText {
  id: string;
  from: string;
  body: string;
  at: string;
  /** The customer with that number, when exactly one is known. */
  customerId: string | null;
  customerName: string | null;
  /** Open repairs of customers with that number (the likely places to attach it). */
  candidates: Array<{ roId: string; roNumber: number; vehicle: string }>;
  attachments: Attachment[];
}

/** A mail template: the shop's subject and text with merge fields, for the customer, the adjuster or anyone. */
export interface EmailTemplate {
  id: string;
  name: string;
  audience: 'customer' | 'adjuster' | 'any';
  subject: string;
  body: string;
  /** Offered when writing a mail. */
  active: boolean;
  /** One of those every shop starts with (until the shop removes it). */
  standard: boolean;
  /** The same mail in the other customer languages (issue 22): the shop's own row, else empty (the customer gets the shop's language). */
  wordings: Array<{ language: 'es'; subject: string; body: string; own: boolean }>;
}

/** A mail's subject and text with the repair's fields filled in, and what could not be. */
export interface MailMergePreview {
  subject: string;
  body: string;
  /** Fields the repair has no value for (left out). */
  missingFields: string[];
  /** `{names}` Bayline does not know (refused on Send). */
  unknownFields: string[];
  /** The template's audience, when a template was used. */
  audience: EmailTemplate['audience'] | null;
}
