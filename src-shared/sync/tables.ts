// The synced tables: every cell of these is written only through the mutation layer and
// travels between nodes as a change. Desk and relay validate incoming changes against this list.

type ColumnType = 'text' | 'integer' | 'real';

function table<const C extends Record<string, ColumnType>>(columns: C, options: { appendOnly?: boolean } = {}) {
  return { columns, appendOnly: options.appendOnly ?? false };
}

export const SYNCED_TABLES = {
  workspace_settings: table({
    name: 'text',
    slug: 'text',
    address: 'text',
    phone: 'text',
    email: 'text',
    hours: 'text', // JSON: OpeningHours
    time_zone: 'text',
    logo_hash: 'text',
    color_primary: 'text',
    color_accent: 'text',
    ro_number_start: 'integer',
    stage_wording: 'text', // JSON: Partial<Record<Stage, string>>
    portal_days_after_delivery: 'integer',
    bay_photos_published: 'integer',
    // Texts: the number and its 10DLC state are written by the relay; the window is "HH:MM".
    sms_number: 'text',
    sms_10dlc_status: 'text',
    sms_help_text: 'text',
    sms_window_start: 'text',
    sms_window_end: 'text',
  }),
  staff: table({
    name: 'text',
    role: 'text',
    pin_hash: 'text',
    active: 'integer',
    created_at: 'text',
  }),
  customers: table({
    first_name: 'text',
    last_name: 'text',
    mobile: 'text',
    email: 'text',
    preferred_channel: 'text',
    created_at: 'text',
    /** 1 after the customer texted STOP (or Telnyx refused with 40300), 0 after START. */
    sms_opt_out: 'integer',
    sms_opt_out_at: 'text',
    /** IANA zone for quiet hours; the shop's own when not set. */
    time_zone: 'text',
  }),
  vehicles: table({
    customer_id: 'text',
    vin: 'text',
    plate: 'text',
    year: 'integer',
    make: 'text',
    model: 'text',
    color: 'text',
    created_at: 'text',
  }),
  repair_orders: table({
    ro_number: 'integer',
    customer_id: 'text',
    vehicle_id: 'text',
    insurer: 'text',
    claim_number: 'text',
    adjuster_name: 'text',
    adjuster_email: 'text',
    adjuster_phone: 'text',
    deductible_cents: 'integer',
    estimate_total_cents: 'integer',
    promised_date: 'text',
    courtesy_car: 'text',
    stage: 'text',
    sub_status_id: 'text',
    assigned_staff_id: 'text',
    checked_in_at: 'text',
    checked_in_by: 'text',
    closed_at: 'text',
  }),
  sub_statuses: table({
    name: 'text',
    stage: 'text',
    position: 'integer',
    active: 'integer',
  }),
  stage_events: table(
    { ro_id: 'text', stage: 'text', sub_status_id: 'text', at: 'text', staff_id: 'text' },
    { appendOnly: true },
  ),
  promised_date_changes: table(
    { ro_id: 'text', from_date: 'text', to_date: 'text', reason: 'text', at: 'text', staff_id: 'text' },
    { appendOnly: true },
  ),
  exception_tags: table({
    tag: 'text',
    reason: 'text',
    active: 'integer',
  }),
  ro_exceptions: table({
    ro_id: 'text',
    tag: 'text',
    reason: 'text',
    note: 'text',
    opened_at: 'text',
    opened_by: 'text',
    resolved_at: 'text',
    resolved_by: 'text',
  }),
  notes: table(
    { ro_id: 'text', body: 'text', at: 'text', staff_id: 'text' },
    { appendOnly: true },
  ),
  attachments: table({
    ro_id: 'text',
    kind: 'text',
    blob_hash: 'text',
    file_name: 'text',
    mime_type: 'text',
    size_bytes: 'integer',
    published: 'integer',
    caption: 'text',
    source: 'text',
    added_at: 'text',
    added_by: 'text',
    removed_at: 'text',
    message_id: 'text',
  }),
  /** Portal (kind 'customer') and bay camera (kind 'bay') links: only the SHA-256 of the token. */
  portal_tokens: table({
    ro_id: 'text',
    kind: 'text',
    token_hash: 'text',
    issued_at: 'text',
    issued_by: 'text',
    expires_at: 'text',
    revoked_at: 'text',
  }),
  /** One conversation per repair: portal messages now, texts and mail later. */
  messages: table({
    ro_id: 'text',
    customer_id: 'text',
    channel: 'text',
    direction: 'text',
    body: 'text',
    at: 'text',
    staff_id: 'text',
    author: 'text',
    read_at: 'text',
    status: 'text',
    status_detail: 'text',
    external_id: 'text',
    // Texts: the customer's number, whether an automation (not a person) wrote it, who
    // approved it (pressing Send), the template it came from, and when a held text may go.
    peer_number: 'text',
    automated: 'integer',
    approved_by: 'text',
    approved_at: 'text',
    template_id: 'text',
    send_after: 'text',
  }),
  /** The shop's text templates with merge fields ({first_name}, {portal_link}, …). */
  sms_templates: table({
    name: 'text',
    milestone: 'text',
    body: 'text',
    active: 'integer',
    position: 'integer',
  }),
  /** Portal views per repair and source (QR on a document, text link…); written by the relay. */
  portal_counts: table({
    ro_id: 'text',
    source: 'text',
    views: 'integer',
    last_at: 'text',
  }),
  /** "Track my repair" requests from the public shop page that matched a repair. */
  track_requests: table({
    ro_id: 'text',
    at: 'text',
    channel: 'text',
    destination: 'text',
    handled_at: 'text',
  }),
  audit_events: table(
    {
      node: 'text',
      seq: 'integer',
      at: 'text',
      actor: 'text',
      action: 'text',
      ro_id: 'text',
      detail: 'text', // JSON: AuditDetail
      prev_hash: 'text',
      hash: 'text',
    },
    { appendOnly: true },
  ),
} as const;

export type SyncedTable = keyof typeof SYNCED_TABLES;
export type ColumnsOf<T extends SyncedTable> = keyof (typeof SYNCED_TABLES)[T]['columns'] & string;

export function isSyncedTable(name: string): name is SyncedTable {
  return Object.hasOwn(SYNCED_TABLES, name);
}

export function isSyncedColumn(table: SyncedTable, column: string): boolean {
  return Object.hasOwn(SYNCED_TABLES[table].columns, column);
}
