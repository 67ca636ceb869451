// The synced tables, declared once: every cell of these is written only through the mutation
// layer and travels between nodes as a change. Each table, column and index says the schema
// version it arrived in; the desk's and the relay's SQLite DDL and the relay's PostgreSQL DDL for
// every version after 5 are produced from this (./ddl.ts), and SYNCED_TABLES, the row types and
// the validation of incoming changes are derived from it (src-shared/sync/tables.ts, rows.ts).
// Shared by desk and relay (Node); the renderer never imports it (src-main/boundaries.test.ts).
//
// Adding a column: `new_column: text(6)` (6 = the version that brings it, listed in
// ./versions.ts). Never remove or retype a column: nodes still running the older version send it.
// Text that PostgreSQL must compare byte-wise (times compared as strings, stamps) declares
// `text(6, { collate: 'C' })`; the released synced columns use the default collation.

export type ColumnType = 'text' | 'integer' | 'real';

export interface ColumnDeclaration<T extends ColumnType = ColumnType> {
  readonly type: T;
  /** The schema version that added the column. */
  readonly since: number;
  /** PostgreSQL compares this text byte-wise (COLLATE "C"); SQLite's default already does. */
  readonly collate?: 'C';
}

export interface IndexDeclaration {
  readonly columns: readonly string[];
  readonly since: number;
}

export interface TableDeclaration<C extends Record<string, ColumnDeclaration> = Record<string, ColumnDeclaration>> {
  /** The schema version that created the table (with its columns of that same version). */
  readonly since: number;
  /** Every table also has `id TEXT PRIMARY KEY`, not declared here. */
  readonly columns: C;
  readonly indexes: Readonly<Record<string, IndexDeclaration>>;
  /** Rows are only ever inserted (events, notes, audit): the store refuses updates. */
  readonly appendOnly: boolean;
}

export type SchemaDeclaration = Readonly<Record<string, TableDeclaration>>;

export const text = (since: number, options: { collate?: 'C' } = {}): ColumnDeclaration<'text'> => ({ type: 'text', since, ...options });
export const integer = (since: number): ColumnDeclaration<'integer'> => ({ type: 'integer', since });
export const real = (since: number): ColumnDeclaration<'real'> => ({ type: 'real', since });
export const index = (since: number, ...columns: string[]): IndexDeclaration => ({ columns, since });

export function table<const C extends Record<string, ColumnDeclaration>>(
  since: number,
  columns: C,
  options: { indexes?: Record<string, IndexDeclaration>; appendOnly?: boolean } = {},
): TableDeclaration<C> {
  return { since, columns, indexes: options.indexes ?? {}, appendOnly: options.appendOnly ?? false };
}

export const SYNCED_SCHEMA = {
  workspace_settings: table(1, {
    name: text(1),
    slug: text(1),
    address: text(1),
    phone: text(1),
    email: text(1),
    hours: text(1), // JSON: OpeningHours
    time_zone: text(1),
    logo_hash: text(1),
    color_primary: text(1),
    color_accent: text(1),
    ro_number_start: integer(1),
    stage_wording: text(1), // JSON: Partial<Record<Stage, string>>
    portal_days_after_delivery: integer(3),
    bay_photos_published: integer(3),
    // Texts: the number and its 10DLC state are written by the relay; the window is "HH:MM".
    sms_number: text(5),
    sms_10dlc_status: text(5),
    sms_help_text: text(5),
    sms_window_start: text(5),
    sms_window_end: text(5),
    // Drafts (JSON: DraftingSettings, src-shared/drafting/settings.ts): one per shop, every desk.
    drafting_settings: text(8),
    // E-signature: the storage and payment terms printed on the repair authorization (JSON).
    esign_terms: text(8),
    // Calls: the shop's own line that calls to the Bayline number are forwarded to (E.164), whether
    // the number takes calls at all, and the day the shop started sending portal links (YYYY-MM-DD,
    // the "before and after" line of the call counts).
    call_forward_number: text(8),
    calls_enabled: integer(8),
    portal_links_since: text(8),
    // After the repair (issue 18), JSON each: the survey (questions, delay, channel, low-score
    // threshold), the review invitation (sites and wording; no incentive words) and referrals.
    csi_settings: text(9),
    review_settings: text(9),
    // Automations (issue 20): the per-customer daily cap on automated messages and the like (JSON).
    automation_settings: text(9),
    // Reports (issue 20): minutes per phone call, calls per day before the portal, targets (JSON).
    report_settings: text(9),
    // Country and languages (issue 22): 'US' | 'GB' | 'CA' (null = 'US'), which decides date order,
    // clock, currency, paper, customer words and SMS rules (src-shared/locale/); the languages the
    // shop offers its customers (JSON: string[], e.g. ["en","es"]; null = the country's own only).
    country: text(10),
    customer_languages: text(10),
  }),
  staff: table(1, {
    name: text(1),
    role: text(1),
    pin_hash: text(1),
    active: integer(1),
    created_at: text(1),
  }),
  customers: table(
    1,
    {
      first_name: text(1),
      last_name: text(1),
      mobile: text(1),
      email: text(1),
      preferred_channel: text(1),
      created_at: text(1),
      /** 1 after the customer texted STOP (or Telnyx refused with 40300), 0 after START. */
      sms_opt_out: integer(5),
      sms_opt_out_at: text(5),
      /** IANA zone for quiet hours; the shop's own when not set. */
      time_zone: text(5),
      /** The customer's own referral code (`/p/<slug>?ref=<code>`), given once they answered the survey. */
      referral_code: text(9),
      /** The language the customer reads ('en', 'es'…): set at check-in or chosen on the portal; null = the shop's. */
      language: text(10),
      /** What the phone-number metadata says the mobile field is: 'mobile' | 'landline' | 'either' | 'unknown'. */
      mobile_kind: text(10),
    },
    { indexes: { customers_mobile: index(1, 'mobile'), customers_referral: index(9, 'referral_code') } },
  ),
  vehicles: table(
    1,
    {
      customer_id: text(1),
      vin: text(1),
      plate: text(1),
      year: integer(1),
      make: text(1),
      model: text(1),
      color: text(1),
      created_at: text(1),
    },
    {
      indexes: {
        vehicles_vin: index(1, 'vin'),
        vehicles_plate: index(1, 'plate'),
        vehicles_customer: index(1, 'customer_id'),
      },
    },
  ),
  repair_orders: table(
    1,
    {
      ro_number: integer(1),
      customer_id: text(1),
      vehicle_id: text(1),
      insurer: text(1),
      claim_number: text(1),
      adjuster_name: text(1),
      adjuster_email: text(1),
      adjuster_phone: text(1),
      deductible_cents: integer(1),
      estimate_total_cents: integer(1),
      promised_date: text(1),
      courtesy_car: text(1),
      stage: text(1),
      sub_status_id: text(1),
      assigned_staff_id: text(1),
      checked_in_at: text(1),
      checked_in_by: text(1),
      closed_at: text(1),
      // The first the shop heard of this loss (the estimate request or the first call; the
      // check-in when nothing came before): "cycle time from first notice" counts from here.
      first_notice_at: text(9, { collate: 'C' }),
      // The referral (referrals.id) a booking or check-in came through.
      referral_id: text(9),
    },
    {
      indexes: {
        repair_orders_open: index(1, 'closed_at', 'stage'),
        repair_orders_number: index(1, 'ro_number'),
        repair_orders_vehicle: index(1, 'vehicle_id'),
        repair_orders_customer: index(1, 'customer_id'),
      },
    },
  ),
  sub_statuses: table(1, {
    name: text(1),
    stage: text(1),
    position: integer(1),
    active: integer(1),
  }),
  stage_events: table(
    1,
    { ro_id: text(1), stage: text(1), sub_status_id: text(1), at: text(1), staff_id: text(1) },
    { appendOnly: true, indexes: { stage_events_ro: index(1, 'ro_id', 'at') } },
  ),
  promised_date_changes: table(
    1,
    { ro_id: text(1), from_date: text(1), to_date: text(1), reason: text(1), at: text(1), staff_id: text(1) },
    { appendOnly: true, indexes: { promised_date_changes_ro: index(1, 'ro_id', 'at') } },
  ),
  exception_tags: table(1, {
    tag: text(1),
    reason: text(1),
    active: integer(1),
  }),
  ro_exceptions: table(
    1,
    {
      ro_id: text(1),
      tag: text(1),
      reason: text(1),
      note: text(1),
      opened_at: text(1),
      opened_by: text(1),
      resolved_at: text(1),
      resolved_by: text(1),
    },
    { indexes: { ro_exceptions_ro: index(1, 'ro_id') } },
  ),
  notes: table(
    1,
    { ro_id: text(1), body: text(1), at: text(1), staff_id: text(1) },
    { appendOnly: true, indexes: { notes_ro: index(1, 'ro_id', 'at') } },
  ),
  attachments: table(
    1,
    {
      ro_id: text(1),
      kind: text(1),
      blob_hash: text(1),
      file_name: text(1),
      mime_type: text(1),
      size_bytes: integer(1),
      published: integer(1),
      caption: text(1),
      source: text(1),
      added_at: text(1),
      added_by: text(1),
      removed_at: text(1),
      message_id: text(3),
      // Damage photos sent with an estimate booking before there is a repair (ro_id empty until
      // the lead is checked in), and the signature request a sealed PDF belongs to.
      appointment_id: text(8),
      signature_request_id: text(8),
      // The shop marked it to be seen by the work provider (issue 19), when the grant shares photos/documents.
      shared_with_insurer: integer(9),
    },
    { indexes: { attachments_ro: index(1, 'ro_id') } },
  ),
  /** Portal (kind 'customer') and bay camera (kind 'bay') links: only the SHA-256 of the token. */
  portal_tokens: table(
    3,
    {
      ro_id: text(3),
      kind: text(3),
      token_hash: text(3),
      issued_at: text(3),
      issued_by: text(3),
      expires_at: text(3),
      revoked_at: text(3),
    },
    { indexes: { portal_tokens_hash: index(3, 'token_hash'), portal_tokens_ro: index(3, 'ro_id') } },
  ),
  /** One conversation per repair: portal messages now, texts and mail later. */
  messages: table(
    3,
    {
      ro_id: text(3),
      customer_id: text(3),
      channel: text(3),
      direction: text(3),
      body: text(3),
      at: text(3),
      staff_id: text(3),
      author: text(3),
      read_at: text(3),
      status: text(3),
      status_detail: text(3),
      external_id: text(3),
      // Texts: the customer's number, whether an automation (not a person) wrote it, who
      // approved it (pressing Send), the template it came from, and when a held text may go.
      peer_number: text(5),
      automated: integer(5),
      approved_by: text(5),
      approved_at: text(5),
      template_id: text(5),
      send_after: text(5),
      // Mail (channel 'email'): the mailbox it came through or goes out of, the subject, the
      // people as JSON ({ name, address } and arrays of them), the provider's thread id, the RFC
      // 5322 Message-ID / In-Reply-To / References that thread it in every mail program, and the
      // HTML part as the sender wrote it (`body` holds the text; the desk sanitises the HTML).
      mailbox_id: text(6),
      subject: text(6),
      email_from: text(6),
      email_to: text(6),
      email_cc: text(6),
      email_thread_id: text(6),
      email_message_id: text(6),
      email_in_reply_to: text(6),
      email_references: text(6),
      body_html: text(6),
      // Mail Bayline sends: the repair's documents (`attachments` ids, a JSON array) that go with
      // it. Mail that arrives keeps its files as `attachments` rows whose message_id is this row.
      email_attachments: text(7),
      // The automation rule (automation_rules.id) that wrote or sent it (issue 20).
      automation_rule_id: text(9),
      // The shop marked it to be seen by the work provider (issue 19).
      shared_with_insurer: integer(9),
    },
    {
      indexes: {
        messages_ro: index(3, 'ro_id', 'at'),
        messages_status: index(5, 'channel', 'status'),
        messages_email_thread: index(6, 'mailbox_id', 'email_thread_id'),
      },
    },
  ),
  /**
   * The shop's connected mailboxes (Gmail, Outlook, or a plain IMAP/SMTP host). Written by the relay:
   * "Connected as <address>", the state the desk shows, and the last problem in shop words. The
   * refresh token never is: it lives encrypted in the relay's operator database.
   */
  mailboxes: table(6, {
    provider: text(6), // 'gmail' | 'outlook' | 'imap'
    address: text(6),
    state: text(6), // 'connected' | 'reconnect-needed' | 'disconnected'
    connected_by: text(6), // staff:<id>
    connected_at: text(6),
    disconnected_at: text(6),
    last_error: text(6),
  }),
  /**
   * The shop's mail templates: a subject and a text with the same merge fields as texts
   * ({first_name}, {ro_number}, {claim_number}, {portal_link}, …), for the customer or the adjuster.
   */
  email_templates: table(7, {
    name: text(7),
    audience: text(7), // 'customer' | 'adjuster' | 'any'
    subject: text(7),
    body: text(7),
    active: integer(7),
    position: integer(7),
    // The language of this wording (issue 22); null = the shop's. One row per language of a template.
    language: text(10),
  }),
  /** The shop's text templates with merge fields ({first_name}, {portal_link}, …). */
  sms_templates: table(5, {
    name: text(5),
    milestone: text(5),
    body: text(5),
    active: integer(5),
    position: integer(5),
    // The language of this wording (issue 22); null = the shop's. One row per language of a template.
    language: text(10),
  }),
  /** Portal views per repair and source (QR on a document, text link…); written by the relay. */
  portal_counts: table(
    3,
    {
      ro_id: text(3),
      source: text(3),
      views: integer(3),
      last_at: text(3),
    },
    { indexes: { portal_counts_ro: index(3, 'ro_id') } },
  ),
  /** "Track my repair" requests from the public shop page that matched a repair. */
  track_requests: table(
    3,
    {
      ro_id: text(3),
      at: text(3),
      channel: text(3),
      destination: text(3),
      handled_at: text(3),
    },
    { indexes: { track_requests_ro: index(3, 'ro_id') } },
  ),
  /**
   * E-signature requests (issue 16): a document made at the desk (or the shop's own PDF) for the
   * customer to sign in the portal. The desk creates it with the document's blob and SHA-256; the
   * relay sends it, records opened / signed / declined / locked, seals the signed PDF and files it.
   * Supplements are versioned per repair: (ro_id, kind, version) names one document.
   */
  signature_requests: table(
    8,
    {
      ro_id: text(8),
      customer_id: text(8),
      kind: text(8), // 'authorization' | 'betterment' | 'supplement' | 'pickup' | 'custom'
      title: text(8),
      version: integer(8),
      document_blob_hash: text(8),
      document_sha256: text(8),
      document_pages: integer(8),
      document_detail: text(8), // JSON: the lines and totals the document shows
      needs_code: integer(8), // 1 when it changes money: a one-time code is required
      state: text(8), // 'pending' | 'sent' | 'opened' | 'signed' | 'declined' | 'expired' | 'voided' | 'locked'
      state_detail: text(8),
      created_at: text(8, { collate: 'C' }),
      created_by: text(8),
      sent_at: text(8),
      opened_at: text(8),
      signed_at: text(8),
      signer_name: text(8),
      signature_method: text(8), // 'drawn' | 'typed'
      declined_at: text(8),
      decline_reason: text(8),
      expires_at: text(8, { collate: 'C' }),
      voided_at: text(8),
      voided_by: text(8), // the request that superseded it, or staff:<id>
      locked_at: text(8),
      sealed_blob_hash: text(8),
      // Evidence the relay records as the customer signs (each write is an audit event too).
      consent_id: text(8), // the signature_consents row in force when it was signed
      code_sent_at: text(8),
      code_sent_to: text(8), // masked: "text to (512) ***-0147"
      code_verified_at: text(8),
      intent_text: text(8),
      signed_ip: text(8),
      signed_user_agent: text(8),
      signature_blob_hash: text(8), // the drawn signature (PNG), kept so sealing can be tried again
    },
    { indexes: { signature_requests_ro: index(8, 'ro_id', 'kind', 'version') } },
  ),
  /** The customer's consent to sign electronically (ESIGN/UETA disclosure), and its withdrawal. Written by the relay. */
  signature_consents: table(
    8,
    {
      customer_id: text(8),
      ro_id: text(8),
      disclosure_version: text(8),
      agreed_at: text(8),
      ip: text(8),
      user_agent: text(8),
      withdrawn_at: text(8),
      withdrawn_ip: text(8),
      withdrawn_user_agent: text(8),
    },
    { indexes: { signature_consents_customer: index(8, 'customer_id') } },
  ),
  /**
   * Scheduling (issue 17): when each kind of appointment can be booked, in the shop's time zone.
   * One row per kind ('estimate' | 'drop-off' | 'pickup').
   */
  appointment_availability: table(8, {
    kind: text(8),
    active: integer(8),
    weekly_hours: text(8), // JSON: { mon: [["08:00","12:00"], …], … } local wall-clock ranges
    slot_minutes: integer(8),
    capacity: integer(8), // how many at once (bays, estimators)
    lead_minutes: integer(8), // no slot starts sooner than this after now
    horizon_days: integer(8), // how far ahead slots are offered
    hold_minutes: integer(8), // how long a pending request holds its place
    updated_at: text(8),
  }),
  /** Closures, holidays and per-day exceptions (a local date; all kinds when `kind` is empty). */
  schedule_exceptions: table(
    8,
    {
      date: text(8, { collate: 'C' }), // YYYY-MM-DD, shop-local
      kind: text(8),
      closed: integer(8),
      hours: text(8), // JSON ranges replacing that day's weekly hours when not closed
      reason: text(8),
      created_at: text(8),
      removed_at: text(8),
    },
    { indexes: { schedule_exceptions_date: index(8, 'date') } },
  ),
  /** Requested and confirmed appointments; the relay is the authority on capacity. */
  appointments: table(
    8,
    {
      kind: text(8),
      state: text(8), // 'invited' (the shop asked the customer to choose a time) | 'requested' | 'confirmed' | 'declined' | 'proposed' | 'cancelled' | 'expired' | 'completed' | 'no-show'
      starts_at: text(8, { collate: 'C' }), // UTC instant, ISO
      ends_at: text(8, { collate: 'C' }),
      time_zone: text(8), // the zone its local label was shown in
      ro_id: text(8),
      customer_id: text(8),
      source: text(8), // 'shop-page' | 'portal' | 'desk'
      requested_at: text(8),
      hold_until: text(8, { collate: 'C' }),
      // A new customer's estimate request (a lead until it is checked in).
      name: text(8),
      mobile: text(8),
      email: text(8),
      vehicle: text(8),
      description: text(8),
      insurer: text(8),
      claim_number: text(8),
      decided_at: text(8),
      decided_by: text(8),
      decline_reason: text(8),
      proposed_starts_at: text(8),
      replaces_id: text(8), // the appointment a reschedule replaced
      cancelled_at: text(8),
      cancelled_by: text(8),
      manage_token_hash: text(8),
      reminder_sent_at: text(8),
      calendar_events: text(8), // JSON: { mailboxId: eventId }
      told: text(8), // the outcome the relay last texted the customer (state|time), so it is told once
      note: text(8),
    },
    {
      indexes: {
        appointments_start: index(8, 'starts_at'),
        appointments_ro: index(8, 'ro_id'),
        appointments_manage: index(8, 'manage_token_hash'),
      },
    },
  ),
  /** Phone calls on the record (issue 24): logged at the desk, or by the relay from Telnyx Call Control. */
  calls: table(
    8,
    {
      ro_id: text(8),
      customer_id: text(8),
      direction: text(8), // 'in' | 'out'
      party: text(8), // 'customer' | 'adjuster' | 'other'
      reason: text(8), // 'status' | 'supplement' | 'scheduling' | 'payment' | 'other'
      outcome: text(8),
      note: text(8),
      peer_number: text(8),
      started_at: text(8, { collate: 'C' }),
      answered_at: text(8),
      ended_at: text(8),
      duration_seconds: integer(8),
      state: text(8), // 'answered' | 'missed' | 'logged'
      source: text(8), // 'desk' | 'phone'
      staff_id: text(8),
      external_id: text(8),
      handled_at: text(8),
      handled_by: text(8),
    },
    { indexes: { calls_ro: index(8, 'ro_id', 'started_at'), calls_started: index(8, 'started_at'), calls_peer: index(8, 'peer_number') } },
  ),
  /**
   * CSI survey answers (issue 18), written by the relay as the customer answers in the portal. One
   * per repair; `questions` keeps the wording each answer was given under (JSON), `answers` the
   * answers by question id. Amending within 24 hours updates the row (`amended_at`).
   */
  csi_responses: table(
    9,
    {
      ro_id: text(9),
      customer_id: text(9),
      questions: text(9), // JSON: the questions as they were worded when answered
      answers: text(9), // JSON: { [questionId]: number | string }
      overall: integer(9), // 1-5
      recommend: integer(9), // 0-10
      comment: text(9),
      started_at: text(9),
      submitted_at: text(9, { collate: 'C' }),
      amended_at: text(9),
      low_score: integer(9), // 1 when it fell at or under the shop's threshold when submitted
      survey_sent_at: text(9),
      survey_channel: text(9),
    },
    { indexes: { csi_responses_ro: index(9, 'ro_id'), csi_responses_submitted: index(9, 'submitted_at') } },
  ),
  /** A low score's follow-up: open until someone closes it as resolved. */
  csi_follow_ups: table(
    9,
    {
      ro_id: text(9),
      response_id: text(9),
      opened_at: text(9, { collate: 'C' }),
      first_contact_at: text(9),
      closed_at: text(9),
      closed_by: text(9),
      resolution: text(9),
    },
    { indexes: { csi_follow_ups_response: index(9, 'response_id'), csi_follow_ups_ro: index(9, 'ro_id') } },
  ),
  /** Each contact on a follow-up: who called the customer, when, what was agreed. */
  csi_follow_up_entries: table(
    9,
    { follow_up_id: text(9), ro_id: text(9), at: text(9), staff_id: text(9), contact: text(9), agreed: text(9) },
    { appendOnly: true, indexes: { csi_follow_up_entries_follow_up: index(9, 'follow_up_id', 'at') } },
  ),
  /** Clicks on the review invitation, per repair and site; written by the relay like portal_counts. */
  review_clicks: table(
    9,
    { ro_id: text(9), response_id: text(9), site: text(9), clicks: integer(9), last_at: text(9) },
    { indexes: { review_clicks_ro: index(9, 'ro_id') } },
  ),
  /** A booking or check-in that came through a customer's referral link, and the shop's thank-you. */
  referrals: table(
    9,
    {
      referrer_customer_id: text(9),
      referrer_ro_id: text(9),
      code: text(9),
      appointment_id: text(9),
      ro_id: text(9),
      name: text(9),
      credited_at: text(9, { collate: 'C' }),
      thanked_at: text(9),
      thanked_by: text(9),
      thank_note: text(9),
    },
    { indexes: { referrals_referrer: index(9, 'referrer_customer_id'), referrals_code: index(9, 'code') } },
  ),
  /**
   * Work providers (issue 19) this shop lets see its repairs: the provider's id on the relay, the
   * insurer names on ROs that map to it (JSON array), and what is shared. Revoking sets revoked_at;
   * the relay stops answering for it at once.
   */
  provider_grants: table(
    9,
    {
      provider_id: text(9),
      provider_name: text(9),
      insurer_names: text(9), // JSON: string[]
      share_photos: integer(9),
      share_documents: integer(9),
      share_messages: integer(9),
      share_amounts: integer(9),
      granted_at: text(9),
      granted_by: text(9),
      revoked_at: text(9),
      revoked_by: text(9),
    },
    { indexes: { provider_grants_provider: index(9, 'provider_id') } },
  ),
  /**
   * Automation rules (issue 20) in shop words: when (JSON trigger), if (JSON conditions), then (JSON
   * action). `mode` 'draft' only ever creates drafts; 'automatic' sends by itself.
   */
  automation_rules: table(9, {
    name: text(9),
    preset: text(9), // the ready-made rule it started from, if any
    trigger: text(9), // JSON
    conditions: text(9), // JSON
    action: text(9), // JSON
    mode: text(9), // 'draft' | 'automatic'
    active: integer(9),
    position: integer(9),
    created_at: text(9),
    created_by: text(9),
    updated_at: text(9),
    // When it was last switched on: it fires only for what happens from then on.
    active_since: text(9, { collate: 'C' }),
  }),
  /** Each time a rule fired for one occurrence: written once by the relay (the occurrence key is unique per rule). */
  automation_runs: table(
    9,
    {
      rule_id: text(9),
      ro_id: text(9),
      occurrence: text(9, { collate: 'C' }),
      fired_at: text(9, { collate: 'C' }),
      outcome: text(9), // 'sent' | 'drafted' | 'held' | 'skipped' | 'notified' | 'failed'
      detail: text(9),
      message_id: text(9),
    },
    { indexes: { automation_runs_rule: index(9, 'rule_id', 'occurrence'), automation_runs_ro: index(9, 'ro_id') } },
  ),
  /**
   * Notices for the shop's staff (issue 20, "notify staff" and the like): written by the relay when a
   * rule fires, shown at the desk until someone marks them read. `for_role` ('owner', 'manager',
   * 'front-desk'…) or `for_staff_id` narrows who sees it; neither = everyone.
   */
  staff_notifications: table(
    10,
    {
      ro_id: text(10),
      rule_id: text(10),
      run_id: text(10),
      kind: text(10),
      title: text(10),
      body: text(10),
      for_role: text(10),
      for_staff_id: text(10),
      created_at: text(10, { collate: 'C' }),
      read_at: text(10),
      read_by: text(10),
    },
    { indexes: { staff_notifications_created: index(10, 'created_at'), staff_notifications_ro: index(10, 'ro_id') } },
  ),
  audit_events: table(
    1,
    {
      node: text(1),
      seq: integer(1),
      at: text(1),
      actor: text(1),
      action: text(1),
      ro_id: text(1),
      detail: text(1), // JSON: AuditDetail
      prev_hash: text(1),
      hash: text(1),
    },
    { appendOnly: true, indexes: { audit_events_chain: index(1, 'node', 'seq'), audit_events_ro: index(1, 'ro_id', 'at') } },
  ),
} satisfies SchemaDeclaration;
