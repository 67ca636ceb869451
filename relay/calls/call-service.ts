// Calls to the shop's Bayline number (issue 24): the relay answers Telnyx Call Control webhooks,
// forwards each incoming call to the shop's own line (Settings › Calls) with the SDK's
// `calls.actions.transfer`, and logs the call on the caller's open repair (or unassigned):
// caller, time, answered or missed, duration. A missed call is a `calls` row with state 'missed'
// and no `handled_at`, which every desk shows as a notification until someone deals with it.
//
// Webhooks are checked exactly as texts' are (the SDK's `webhooks.unwrap`, Ed25519 over the raw
// bytes, 300 s tolerance). The work happens before the answer: Telnyx sends the webhook again
// until it gets a 2xx, so a relay that dies mid-way loses nothing. Delivered twice, a webhook
// changes nothing the second time: one row per call (`call:<call_session_id>`), the transfer is
// sent before the row is written (so a retry after a crash forwards it) and carries a command_id
// (Telnyx ignores the same command twice), and the end of a call is written once.
import type { FastifyBaseLogger } from 'fastify';
import type Telnyx from 'telnyx';
import { formatPhone, normalizePhone } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { WorkspaceStore, WriteIntent, WriteTx } from '../../src-shared/sync/store.js';
import type { TelnyxConfig } from '../sms/config.js';
import type { RelayStorage } from '../storage/types.js';

interface VoicePayload {
  call_control_id?: string;
  call_leg_id?: string;
  call_session_id?: string;
  from?: string;
  to?: string;
  direction?: string;
  start_time?: string;
  end_time?: string;
  hangup_cause?: string;
  /** What the relay put on the call with the transfer (base64 of {"w": workspaceId}): on both legs' later webhooks. */
  client_state?: string;
}

interface VoiceEvent {
  data?: { id?: string; event_type?: string; occurred_at?: string; payload?: VoicePayload };
}

export type VoiceOutcome = 'done' | 'ignored' | 'rejected';

export interface CallServiceOptions {
  config: TelnyxConfig;
  client: Telnyx;
}

export class CallService {
  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: CallServiceOptions,
  ) {}

  /** Verifies one voice webhook and does what it asks; throws when the work failed (Telnyx sends it again). */
  async receiveWebhook(rawBody: string, headers: Record<string, string>): Promise<VoiceOutcome> {
    if (!this.options.config.publicKey) return 'rejected';
    let event: VoiceEvent;
    try {
      event = (await this.options.client.webhooks.unwrap(rawBody, { headers })) as VoiceEvent;
    } catch {
      return 'rejected';
    }
    const type = event.data?.event_type;
    const p = event.data?.payload ?? {};
    if (typeof type !== 'string' || typeof event.data?.id !== 'string') return 'rejected';
    const at = isoOr(event.data.occurred_at, new Date().toISOString());
    switch (type) {
      case 'call.initiated':
        return this.initiated(p, at);
      case 'call.answered':
      case 'call.bridged':
        return this.answered(type, p, at);
      case 'call.hangup':
        return this.hungUp(p, at);
      default:
        return 'ignored';
    }
  }

  /** Which shop a call belongs to, and its row: by the session (both legs of a forwarded call share it). */
  private async callOf(p: VoicePayload): Promise<{ workspaceId: string; store: WorkspaceStore; id: string } | null> {
    const session = p.call_session_id ?? p.call_control_id;
    if (!session) return null;
    // The forwarded leg's webhooks carry the shop in their client state (Telnyx signs them); the
    // caller's leg is to the Bayline number.
    const candidates = new Set<string>();
    const stated = workspaceOfState(p.client_state);
    if (stated) candidates.add(stated);
    for (const n of [p.to, p.from]) {
      const number = normalizePhone(n ?? '');
      const w = number ? await this.storage.sms.workspaceOfNumber(number) : null;
      if (w) candidates.add(w);
    }
    for (const workspaceId of candidates) {
      const store = await this.storage.workspaceStore(workspaceId);
      const id = `call:${session}`;
      if (await store.db.selectFrom('calls').select('id').where('id', '=', id).executeTakeFirst()) return { workspaceId, store, id };
    }
    return null;
  }

  private async initiated(p: VoicePayload, at: string): Promise<VoiceOutcome> {
    if (p.direction !== 'incoming') return 'ignored'; // our own forwarded leg
    const to = normalizePhone(p.to ?? '');
    const from = normalizePhone(p.from ?? '') ?? null;
    const session = p.call_session_id ?? p.call_control_id;
    if (!to || !session || !p.call_control_id) return 'ignored';
    const workspaceId = await this.storage.sms.workspaceOfNumber(to);
    if (!workspaceId) return 'ignored';
    const store = await this.storage.workspaceStore(workspaceId);
    const id = `call:${session}`;
    if (await store.db.selectFrom('calls').select('id').where('id', '=', id).executeTakeFirst()) return 'done';
    const settings = await store.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
    const forward = settings?.calls_enabled === 1 ? normalizePhone(settings.call_forward_number ?? '') : null;
    let outcome = '';
    if (forward) {
      try {
        const state = Buffer.from(JSON.stringify({ w: workspaceId })).toString('base64');
        await this.options.client.calls.actions.transfer(p.call_control_id, {
          to: forward,
          timeout_secs: 30,
          command_id: `bayline-forward-${session}`,
          client_state: state,
          target_leg_client_state: state,
        });
        outcome = `Forwarded to ${formatPhone(forward)}`;
      } catch (err) {
        // The call stays up with Telnyx: it ends as a missed call, which the desk is told of.
        this.log.warn({ err: (err as Error).message }, 'calls: could not forward a call');
        outcome = `Could not be forwarded to ${formatPhone(forward)}`;
        await this.hangup(p.call_control_id, session);
      }
    } else {
      outcome = 'Not forwarded: calls to the Bayline number are switched off in Settings › Calls';
      await this.hangup(p.call_control_id, session);
    }
    const match = from ? await this.match(store, from) : { roId: null, customerId: null };
    await this.write(workspaceId, store, { actor: 'relay', action: 'call-ringing', summary: 'Call to the Bayline number', roId: match.roId, audit: false }, async (tx) => {
      if (await tx.get('calls', id)) return;
      await tx.insert('calls', {
        id,
        ro_id: match.roId,
        customer_id: match.customerId,
        direction: 'in',
        party: match.customerId ? 'customer' : null,
        outcome,
        note: '',
        peer_number: from,
        started_at: isoOr(p.start_time, at),
        state: 'ringing',
        source: 'phone',
        external_id: p.call_control_id,
      });
    });
    return 'done';
  }

  /** Someone at the shop line picked up: the forwarded leg answered, or either leg bridged. */
  private async answered(type: string, p: VoicePayload, at: string): Promise<VoiceOutcome> {
    const call = await this.callOf(p);
    if (!call) return 'ignored';
    await this.write(call.workspaceId, call.store, { actor: 'relay', action: 'call-answered', summary: 'Call answered', audit: false }, async (tx) => {
      const row = await tx.get('calls', call.id);
      if (!row || row.answered_at || row.state !== 'ringing') return;
      tx.roId = row.ro_id;
      // The caller's own leg answered is not the shop line picking up (the relay never answers it itself).
      if (type === 'call.answered' && p.call_control_id === row.external_id) return;
      await tx.update('calls', call.id, { answered_at: at });
    });
    return 'done';
  }

  private async hungUp(p: VoicePayload, at: string): Promise<VoiceOutcome> {
    const call = await this.callOf(p);
    if (!call) return 'ignored';
    const row = await call.store.db.selectFrom('calls').selectAll().where('id', '=', call.id).executeTakeFirst();
    if (!row || row.state !== 'ringing') return 'done';
    if (p.call_control_id !== row.external_id) {
      // The shop line's leg ended. Unanswered (nobody picked up in time): end the caller's leg too,
      // whose hangup then logs the missed call. Answered: the caller's hangup follows on its own.
      if (!row.answered_at && row.external_id) await this.hangup(row.external_id, p.call_session_id ?? row.id);
      return 'done';
    }
    const ended = isoOr(p.end_time, at);
    const answered = row.answered_at;
    const duration = answered ? Math.max(0, Math.round((Date.parse(ended) - Date.parse(answered)) / 1000)) : null;
    const who = row.peer_number ? formatPhone(row.peer_number) : 'an unknown number';
    const summary = answered ? `Call from ${who} answered at the shop line (${duration} s)` : `Missed call from ${who}`;
    await this.write(call.workspaceId, call.store, { actor: 'relay', action: answered ? 'call-answered' : 'call-missed', summary, roId: row.ro_id }, async (tx) => {
      const now = await tx.get('calls', call.id);
      if (!now || now.state !== 'ringing') return;
      const outcome = !answered && (now.outcome ?? '').startsWith('Forwarded to') ? `${now.outcome}; nobody answered` : now.outcome;
      await tx.update('calls', call.id, { state: answered ? 'answered' : 'missed', ended_at: ended, duration_seconds: duration, outcome });
    });
    return 'done';
  }

  private async hangup(callControlId: string, session: string): Promise<void> {
    try {
      await this.options.client.calls.actions.hangup(callControlId, { command_id: `bayline-hangup-${session}` });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'calls: could not end a call');
    }
  }

  /** The caller's open repair (when exactly one is open), as for texts. */
  private async match(store: WorkspaceStore, from: string): Promise<{ roId: string | null; customerId: string | null }> {
    const customers = await store.db.selectFrom('customers').select(['id']).where('mobile', '=', from).execute();
    if (customers.length === 0) return { roId: null, customerId: null };
    const open = await store.db
      .selectFrom('repair_orders')
      .select(['id', 'customer_id'])
      .where('customer_id', 'in', customers.map((c) => c.id))
      .where('closed_at', 'is', null)
      .execute();
    if (open.length === 1) return { roId: open[0]!.id, customerId: open[0]!.customer_id };
    return { roId: null, customerId: customers.length === 1 ? customers[0]!.id : null };
  }

  private async write(workspaceId: string, store: WorkspaceStore, intent: WriteIntent, fn: (tx: WriteTx) => Promise<void>): Promise<void> {
    await store.write(intent, fn);
    await this.storage.announceChanges(workspaceId);
  }
}

function workspaceOfState(state: string | undefined): string | null {
  if (!state) return null;
  try {
    const w = (JSON.parse(Buffer.from(state, 'base64').toString('utf8')) as { w?: unknown }).w;
    return typeof w === 'string' && w.length <= 100 ? w : null;
  } catch {
    return null;
  }
}

function isoOr(value: string | undefined, fallback: string): string {
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : fallback;
}
