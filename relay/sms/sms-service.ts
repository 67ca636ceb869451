// Texting on the relay: the one place texts are sent and received.
//
// Inbound: a verified webhook is recorded in the durable queue (`sms_events`, deduplicated by
// Telnyx's event id) and answered at once; this service takes events from the queue in order and
// turns each into changes made by the relay (a message on the right repair, or in the
// "unassigned" inbox; an opt-out; a delivery report), which flow to every desk.
//
// Outbound: desks write approved text rows; whenever a workspace's data changes (and on a timer,
// for held texts and other relay processes) this service looks for approved texts, refuses those
// to opted-out customers before any API call, holds automated ones outside the customer's window,
// claims each in the operator database (once, across processes), calls `messages.send` with the
// SDK's retries off, and records Telnyx's id. An outcome it cannot know (timeout, lost
// connection, a crash mid-call) becomes "check-needed" for a person; nothing is ever resent here.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyBaseLogger } from 'fastify';
import Telnyx from 'telnyx';
import { MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';
import { customerWords } from '../../src-shared/i18n/index.js';
import { countryProfile, textingWindow } from '../../src-shared/locale/country.js';
import { formatPhone, normalizePhone, shopCountry } from '../../src-shared/phone.js';
import { DEFAULT_HOURS, parseJson, SETTINGS_ID } from '../../src-shared/settings.js';
import { helpText, keywordLanguage, keywordOf } from '../../src-shared/sms/keywords.js';
import { isTimeZone } from '../../src-shared/sms/quiet-hours.js';
import { movesForward, type SmsStatus } from '../../src-shared/sms/status.js';
import type { WorkspaceStore, WriteIntent, WriteTx } from '../../src-shared/sync/store.js';
import { type Blobs, BlobStore } from '../blobs/blob-store.js';
import type { JobOptions } from '../jobs/queue.js';
import type { RelayStorage } from '../storage/types.js';
import { acceptUpload, UploadRefused } from '../uploads/intake.js';
import { automaticReply } from './automatic-reply.js';
import type { TelnyxConfig } from './config.js';

export interface SmsServiceOptions {
  config: TelnyxConfig;
  client: Telnyx;
  /** The clock quiet hours are judged by (tests hold it still). Bookkeeping uses real time. */
  clock?: () => Date;
  /** How often held texts, other processes' work and the queue are looked at (default 5 s). */
  pollMs?: number;
  /** Where MMS photos go (the relay's blob folder); without it, MMS media are dropped with a note. */
  blobDir?: string;
  /** The store itself when it is not that folder (a bucket); the folder then holds only scratch files and caches. */
  blobStore?: Blobs;
  /** Tells the webhook answer not to wait; false in tests that drive `drainQueue` themselves. */
  autoStart?: boolean;
}

/** Events that name a message Telnyx has not told us the id of yet are tried again this often, this many times. */
const RETRY_MS = 2000;
const MAX_ATTEMPTS = 30;
const LEASE_MS = 60_000;
const MAX_MEDIA = 10;
/** The job queue of outgoing texts (relay/jobs). */
export const SEND_QUEUE = 'sms-send';

interface SendJob {
  workspaceId: string;
  messageId: string;
}

/** The carrier's opt-out refusal (Telnyx 40300), as the shop reads it on the text. */
const CARRIER_OPT_OUT = 'Not sent: the customer has opted out of texts (the carrier refused: they replied STOP). They can text START to get texts again.';

const CHECK_NEEDED =
  'Bayline could not tell whether this text went out (the connection to the texting service broke during the send). ' +
  'It will not be sent again on its own: check with the customer, then mark it sent or write it again.';

interface TelnyxEvent {
  data?: {
    id?: string;
    event_type?: string;
    occurred_at?: string;
    payload?: TelnyxMessagePayload;
  };
}

interface TelnyxMessagePayload {
  id?: string;
  direction?: string;
  type?: string;
  text?: string;
  from?: { phone_number?: string };
  to?: Array<{ phone_number?: string; status?: string }>;
  media?: Array<{ url?: string; content_type?: string; size?: number }>;
  errors?: Array<{ code?: string | number; title?: string; detail?: string }>;
  received_at?: string;
}

type EventOutcome = { done: true; outcome: string } | { done: false; outcome: string };

export class SmsService {
  /** Identifies this process's send claims. */
  readonly processId = randomBytes(6).toString('hex');
  private readonly clock: () => Date;
  private readonly blobs: Blobs | null;
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private draining: Promise<void> | null = null;
  private drainAgain = false;
  private readonly dirty = new Set<string>();
  private scanning: Promise<void> | null = null;
  private closed = false;
  /** Sends under way in this process (so close can wait for them). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: SmsServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.blobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  }

  get client(): Telnyx {
    return this.options.client;
  }

  /** Starts listening for changes and the timer; claims left open by a dead process become "check needed". */
  async start(): Promise<void> {
    if (!this.options.config.publicKey) this.log.warn('texting: no TELNYX_PUBLIC_KEY, so every Telnyx webhook is refused (replies and delivery reports are lost)');
    this.stopListening = this.storage.onChangesAnnounced((workspaceId) => this.markDirty(workspaceId), { background: true, ownOnly: true });
    // SQLite storage belongs to one relay process: every open claim at start-up is a dead one's.
    // On PostgreSQL others may be mid-call; theirs are closed once they are surely past the SDK's timeout.
    await this.sweepOpenClaims(this.storage.engine === 'sqlite' ? new Date(Date.now() + 1000) : undefined);
    // Each approved text is one job (relay/jobs): on PostgreSQL any relay process takes it, and one
    // a dead process had taken is handed back once it expires; on SQLite it runs at once here.
    await this.storage.jobs.define<SendJob>(SEND_QUEUE, this.sendJobOptions(), (job) => this.runSendJob(job));
    const poll = this.options.pollMs ?? 5000;
    this.timer = setInterval(() => void this.tick(), poll);
    this.timer.unref();
    void this.tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.stopListening?.();
    await this.draining?.catch(() => undefined);
    await this.scanning?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      await this.sweepOpenClaims();
      await this.drainQueue();
      for (const id of await this.storage.sms.workspacesWithNumbers()) {
        this.dirty.add(id);
        if (this.storage.engine === 'sqlite') await this.noticeOutsideWrites(id);
      }
      await this.scanDirty();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'texting: periodic work failed; trying again shortly');
    }
  }

  private readonly lastSeq = new Map<string, number>();

  /**
   * On SQLite, the operator's commands (a number provisioned, its 10DLC state) write a shop's
   * file from another process, which cannot wake this one's desk sessions: a log that grew since
   * the last look is announced here. (PostgreSQL processes tell each other with NOTIFY.)
   */
  private async noticeOutsideWrites(workspaceId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const row = await store.db.selectFrom('changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    const seq = Number(row?.seq ?? 0);
    const seen = this.lastSeq.get(workspaceId);
    this.lastSeq.set(workspaceId, seq);
    // First sight of a shop (its number is new, or this process just started): announce once.
    if (seen === undefined || seq > seen) await this.storage.announceChanges(workspaceId);
  }

  // ---- webhooks ----------------------------------------------------------------------------

  /**
   * Verifies and records one webhook. 'rejected' (bad or stale signature, or no key configured):
   * nothing is recorded. The queue is worked on after the answer.
   */
  async receiveWebhook(rawBody: string, headers: Record<string, string>): Promise<'recorded' | 'duplicate' | 'rejected'> {
    if (!this.options.config.publicKey) return 'rejected';
    let event: TelnyxEvent;
    try {
      event = (await this.client.webhooks.unwrap(rawBody, { headers })) as TelnyxEvent;
    } catch {
      return 'rejected';
    }
    const eventId = event.data?.id;
    const eventType = event.data?.event_type;
    if (typeof eventId !== 'string' || eventId === '' || eventId.length > 200 || typeof eventType !== 'string') return 'rejected';
    const fresh = await this.storage.sms.enqueueEvent({ eventId, eventType: eventType.slice(0, 100), body: rawBody, now: new Date().toISOString() });
    if (fresh && this.options.autoStart !== false) setImmediate(() => void this.drainQueue().catch(() => undefined));
    return fresh ? 'recorded' : 'duplicate';
  }

  /** Works through every event due, oldest first; one drain at a time per process. */
  drainQueue(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      await Promise.resolve();
      try {
        do {
          this.drainAgain = false;
          for (;;) {
            if (this.closed) return;
            const now = new Date();
            const event = await this.storage.sms.takeEvent(now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString());
            if (!event) break;
            let result: EventOutcome;
            try {
              result = await this.processEvent(event.eventType, event.body);
            } catch (err) {
              this.log.warn({ err: (err as Error).message, eventType: event.eventType }, 'texting: an event failed; it will be tried again');
              result = { done: false, outcome: `error: ${(err as Error).message}`.slice(0, 300) };
            }
            if (result.done || event.attempts >= MAX_ATTEMPTS) {
              await this.storage.sms.finishEvent(event.seq, result.outcome, new Date().toISOString());
            } else {
              await this.storage.sms.retryEvent(event.seq, new Date(Date.now() + RETRY_MS).toISOString(), result.outcome);
            }
          }
        } while (this.drainAgain);
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  private async processEvent(eventType: string, body: string): Promise<EventOutcome> {
    const event = JSON.parse(body) as TelnyxEvent;
    const payload = event.data?.payload ?? {};
    switch (eventType) {
      case 'message.received':
        return this.received(payload, event.data?.occurred_at);
      case 'message.sent':
      case 'message.finalized':
        return this.deliveryReport(eventType, payload);
      default:
        return { done: true, outcome: 'ignored' };
    }
  }

  // ---- inbound texts -----------------------------------------------------------------------

  private async received(payload: TelnyxMessagePayload, occurredAt: string | undefined): Promise<EventOutcome> {
    const to = normalizePhone(payload.to?.[0]?.phone_number ?? '');
    const from = normalizePhone(payload.from?.phone_number ?? '');
    const telnyxId = payload.id;
    if (!to || !from || !telnyxId) return { done: true, outcome: 'incomplete' };
    const workspaceId = await this.storage.sms.workspaceOfNumber(to);
    if (!workspaceId) return { done: true, outcome: 'unknown-number' };
    const store = await this.storage.workspaceStore(workspaceId);
    const messageId = `sms:${telnyxId}`;
    if (await store.db.selectFrom('messages').select('id').where('id', '=', messageId).executeTakeFirst()) {
      return { done: true, outcome: 'duplicate-message' };
    }
    const text = (payload.text ?? '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, 5000);
    const at = occurredAt && !Number.isNaN(Date.parse(occurredAt)) ? new Date(occurredAt).toISOString() : new Date().toISOString();
    // The shop's country decides which words are keywords (US: the CTIA set; UK: STOP and START only).
    const shop = await store.db.selectFrom('workspace_settings').select(['country']).where('id', '=', SETTINGS_ID).executeTakeFirst();
    const keyword = keywordOf(text, countryProfile(shop?.country).sms.keywords);
    const now = new Date().toISOString();
    if (keyword === 'stop' || keyword === 'start') await this.storage.sms.setOptOut(workspaceId, from, keyword === 'stop', now);
    const media = await this.fetchMedia(workspaceId, payload.media ?? []);

    // Which repair: the customers with this number, and their repairs still open.
    const customers = await store.db.selectFrom('customers').select(['id', 'first_name', 'language']).where('mobile', '=', from).execute();
    const open = customers.length
      ? await store.db
          .selectFrom('repair_orders')
          .select(['id', 'customer_id'])
          .where('customer_id', 'in', customers.map((c) => c.id))
          .where('closed_at', 'is', null)
          .execute()
      : [];
    const roId = open.length === 1 ? open[0]!.id : null;
    const customer = roId ? customers.find((c) => c.id === open[0]!.customer_id) : customers.length === 1 ? customers[0] : undefined;

    const summary = keyword === 'stop' ? 'The customer texted STOP' : keyword === 'start' ? 'The customer texted START' : roId ? 'Text from the customer' : 'Text from an unassigned number';
    await this.write(workspaceId, store, { actor: 'customer', action: 'sms-received', summary, roId }, async (tx) => {
      await tx.insert('messages', {
        id: messageId,
        ro_id: roId,
        customer_id: customer?.id ?? null,
        channel: 'sms',
        direction: 'in',
        body: text,
        at,
        author: customer?.first_name ?? formatPhone(from, shopCountry(shop?.country)),
        status: 'received',
        external_id: telnyxId,
        peer_number: from,
      });
      for (const m of media.accepted) {
        await tx.insert('attachments', {
          ro_id: roId,
          kind: m.mimeType === 'application/pdf' ? 'document' : 'photo',
          blob_hash: m.sha256,
          file_name: m.fileName,
          mime_type: m.mimeType,
          size_bytes: m.sizeBytes,
          published: 0,
          source: 'customer',
          added_at: at,
          message_id: messageId,
        });
      }
      if (keyword === 'stop' || keyword === 'start') {
        for (const c of customers) await tx.update('customers', c.id, { sms_opt_out: keyword === 'stop' ? 1 : 0, sms_opt_out_at: now });
      }
      if (keyword === 'help') {
        const settings = await tx.get('workspace_settings', SETTINGS_ID);
        await tx.insert(
          'messages',
          automaticReply({
            roId,
            customerId: customer?.id ?? null,
            to: from,
            // In the customer's language if known, else Spanish for AYUDA, else the shop's.
            body: helpText(
              { name: settings?.name ?? '', phone: settings?.phone ? formatPhone(settings.phone, shopCountry(shop?.country)) : '', helpText: settings?.sms_help_text },
              customerWords(shop?.country, customer?.language ?? keywordLanguage(text)),
            ),
            templateId: 'help',
            now,
          }),
        );
      }
    });
    if (media.refused.length > 0) this.log.info({ refused: media.refused.length }, 'texting: some MMS media were refused');
    return { done: true, outcome: keyword ? `received:${keyword}` : 'received' };
  }

  /** Downloads MMS media and puts each through the same intake as portal uploads. */
  private async fetchMedia(
    workspaceId: string,
    media: NonNullable<TelnyxMessagePayload['media']>,
  ): Promise<{ accepted: Array<{ sha256: string; sizeBytes: number; mimeType: string; fileName: string }>; refused: string[] }> {
    const accepted: Array<{ sha256: string; sizeBytes: number; mimeType: string; fileName: string }> = [];
    const refused: string[] = [];
    if (media.length === 0) return { accepted, refused };
    if (!this.blobs) return { accepted, refused: media.map(() => 'no blob folder') };
    for (const [i, m] of media.slice(0, MAX_MEDIA).entries()) {
      if (!m.url || !/^https?:\/\//.test(m.url)) {
        refused.push('no url');
        continue;
      }
      let file: string | null = null;
      try {
        const res = await fetch(m.url, { signal: AbortSignal.timeout(30_000), redirect: 'follow' });
        if (!res.ok || !res.body) throw new UploadRefused('empty', `download answered ${res.status}`);
        const upload = await acceptUpload(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), {
          maxBytes: MAX_BLOB_BYTES,
          allow: ['image', 'pdf'],
          tempDir: path.join(this.blobs.incomingDir, 'mms'),
        });
        file = upload.file;
        await this.blobs.put(workspaceId, upload.sha256, fs.createReadStream(upload.file), MAX_BLOB_BYTES);
        await this.storage.recordBlob({ workspaceId, hash: upload.sha256, sizeBytes: upload.sizeBytes, mimeType: upload.mimeType, createdAt: new Date().toISOString() });
        accepted.push({
          sha256: upload.sha256,
          sizeBytes: upload.sizeBytes,
          mimeType: upload.mimeType,
          fileName: upload.mimeType === 'application/pdf' ? `text-${i + 1}.pdf` : `text-photo-${i + 1}.jpg`,
        });
      } catch (err) {
        refused.push(err instanceof UploadRefused ? err.code : 'download failed');
      } finally {
        if (file) await fsp.rm(file, { force: true });
      }
    }
    return { accepted, refused };
  }

  // ---- delivery reports --------------------------------------------------------------------

  private async deliveryReport(eventType: string, payload: TelnyxMessagePayload): Promise<EventOutcome> {
    const telnyxId = payload.id;
    if (!telnyxId) return { done: true, outcome: 'incomplete' };
    const send = (await this.storage.sms.sendOfTelnyxId(telnyxId)) ?? (await this.adoptReportedSend(telnyxId, payload));
    // The report can overtake the answer to our own send call: try again once the id is recorded.
    if (!send) return { done: false, outcome: 'unknown-message' };
    const carrier = payload.to?.[0]?.status ?? '';
    const error = payload.errors?.[0];
    let next: SmsStatus;
    if (eventType === 'message.sent') next = 'sent';
    else if (carrier === 'delivered') next = 'delivered';
    else if (carrier === 'delivery_unconfirmed') next = 'sent';
    else next = 'failed';
    const optedOut = String(error?.code ?? '') === '40300';
    const store = await this.storage.workspaceStore(send.workspaceId);
    await this.write(send.workspaceId, store, { actor: 'relay', action: 'sms-status', summary: `Text ${next}`, audit: false }, async (tx) => {
      const row = await tx.get('messages', send.messageId);
      if (!row) return;
      tx.roId = row.ro_id;
      if (optedOut) await this.markOptedOut(tx, send.workspaceId, row.peer_number, row.customer_id);
      if (!movesForward(row.status, next)) return;
      const detail = next === 'failed' ? (optedOut ? 'The customer has opted out of texts (they replied STOP).' : describeError(error) ?? 'The carrier could not deliver this text.') : null;
      await tx.update('messages', send.messageId, { status: next, status_detail: detail });
    });
    return { done: true, outcome: `${eventType}:${next}` };
  }

  /**
   * A relay that died between handing a text to Telnyx and recording its answer leaves the text
   * "check needed". Telnyx's own report of that message (from, to, text and its id) settles it:
   * when exactly one such text of the sending shop has that recipient and those words, it did
   * reach Telnyx, and the report is applied to it as to any other. A text no report names stays
   * for a person (Telnyx may never have had it).
   */
  private async adoptReportedSend(telnyxId: string, payload: TelnyxMessagePayload): Promise<{ workspaceId: string; messageId: string } | null> {
    const from = normalizePhone(payload.from?.phone_number ?? '');
    const to = normalizePhone(payload.to?.[0]?.phone_number ?? '');
    if (!from || !to || typeof payload.text !== 'string' || payload.direction === 'inbound') return null;
    const workspaceId = await this.storage.sms.workspaceOfNumber(from);
    if (!workspaceId) return null;
    const uncertain = await this.storage.sms.uncertainClaims(workspaceId);
    if (uncertain.length === 0) return null;
    const store = await this.storage.workspaceStore(workspaceId);
    const rows = await store.db
      .selectFrom('messages')
      .select(['id', 'body', 'peer_number', 'customer_id'])
      .where('id', 'in', uncertain.map((c) => c.messageId))
      .execute();
    const matching = rows.filter((r) => (r.body ?? '') === payload.text && normalizePhone(r.peer_number ?? '') === to);
    if (matching.length !== 1) return null;
    const messageId = matching[0]!.id;
    if (!(await this.storage.sms.adoptTelnyxId(workspaceId, messageId, telnyxId))) return null;
    await this.write(workspaceId, store, { actor: 'relay', action: 'sms-send-result', summary: 'Telnyx reported the text it had', audit: true }, async (tx) => {
      const row = await tx.get('messages', messageId);
      if (!row) return;
      tx.roId = row.ro_id;
      // Nobody has answered the check yet: the text is back on its way ('queued'); the report itself moves it on.
      const patch: { external_id: string; status?: SmsStatus; status_detail?: string | null } = { external_id: telnyxId };
      if (row.status === 'check-needed') {
        patch.status = 'queued';
        patch.status_detail = null;
      }
      await tx.update('messages', messageId, patch);
    });
    return { workspaceId, messageId };
  }

  // ---- outbound ----------------------------------------------------------------------------

  private markDirty(workspaceId: string): void {
    this.dirty.add(workspaceId);
    if (!this.closed) void this.scanDirty().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'texting: scan failed'));
  }

  /** Looks at every workspace marked since the last look. */
  scanDirty(): Promise<void> {
    if (this.scanning) return this.scanning;
    this.scanning = (async () => {
      // Yield first: without an await the finally below would run before this assignment.
      await Promise.resolve();
      try {
        while (this.dirty.size > 0 && !this.closed) {
          const [workspaceId] = this.dirty;
          this.dirty.delete(workspaceId!);
          await this.applyEarlierOptOuts(workspaceId!).catch((err: unknown) =>
            this.log.warn({ err: (err as Error).message }, 'texting: could not mark a customer opted out; trying again with the next change'),
          );
          await this.sendApproved(workspaceId!);
        }
      } finally {
        this.scanning = null;
      }
    })();
    return this.scanning;
  }

  /** Per workspace, how far this process read the changes log for customers' mobile numbers. */
  private readonly mobilesSeen = new Map<string, number>();

  /**
   * A STOP can come from a number before any customer has it (operator table `sms_opt_outs`). When
   * a customer is created with that mobile, or a customer's mobile changes to it, the customer's
   * synced `sms_opt_out`/`sms_opt_out_at` are set here (at the time of the STOP), so every desk
   * shows the badge and turns the composer off; sends were refused by the number already. Only
   * customers whose mobile changed since the last look are read (the changes log after a cursor);
   * the first look of a process checks every customer with an opted-out number, so nothing written
   * while the relay was down is missed.
   */
  async applyEarlierOptOuts(workspaceId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const top = Number((await store.db.selectFrom('changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst())?.seq ?? 0);
    const seen = this.mobilesSeen.get(workspaceId);
    if (seen !== undefined && top <= seen) return;
    let changed: string[] | null = null;
    if (seen !== undefined) {
      const rows = await store.db
        .selectFrom('changes')
        .select('row_id')
        .distinct()
        .where('seq', '>', seen)
        .where('seq', '<=', top)
        .where('tbl', '=', 'customers')
        .where('col', '=', 'mobile')
        .execute();
      changed = rows.length > 500 ? null : rows.map((r) => r.row_id);
    }
    if (changed === null || changed.length > 0) {
      const stops = new Map((await this.storage.sms.optedOutNumbers(workspaceId)).map((o) => [o.phoneNumber, o.changedAt]));
      if (stops.size > 0) {
        let query = store.db.selectFrom('customers').select(['id']).where('mobile', 'in', [...stops.keys()]);
        if (changed) query = query.where('id', 'in', changed);
        const found = await query.where((eb) => eb.or([eb('sms_opt_out', 'is', null), eb('sms_opt_out', '!=', 1)])).execute();
        if (found.length > 0) {
          const summary = found.length === 1 ? 'Opted out of texts: this number had replied STOP before' : `${found.length} customers opted out of texts: their number had replied STOP before`;
          await this.write(workspaceId, store, { actor: 'relay', action: 'sms-opt-out', summary }, async (tx) => {
            for (const { id } of found) {
              const row = await tx.get('customers', id);
              const at = row?.mobile ? stops.get(row.mobile) : undefined;
              if (at && row?.sms_opt_out !== 1) await tx.update('customers', id, { sms_opt_out: 1, sms_opt_out_at: at });
            }
          });
        }
      }
    }
    this.mobilesSeen.set(workspaceId, top);
  }

  private sendJobOptions(): JobOptions {
    // A started send that has not finished within twice the SDK's timeout belongs to a dead
    // process; its job is taken again (and then finds the claim, so it sends nothing).
    const expireInSeconds = Math.ceil((2 * this.options.config.timeoutMs + 5000) / 1000);
    return { expireInSeconds, retryLimit: 5, retryDelay: 2, batchSize: 10, pollingIntervalSeconds: 1 };
  }

  /**
   * Texts this process queued lately (key → when, and the text's state then), so a busy shop's
   * every change does not queue them again. A text whose state moved since (a job found it
   * outside texting hours and held it) is queued again once it is due.
   */
  private readonly queuedAt = new Map<string, { at: number; state: string }>();

  /**
   * One text's job: looked at again from scratch (it may have been sent, refused or claimed by
   * another process since it was queued), then sent once under the claim.
   */
  private async runSendJob(job: SendJob): Promise<void> {
    // The job fails and is tried again (here or by another process): a closing relay sends nothing new.
    if (this.closed) throw new Error('the relay is closing; the text is left to another try');
    const store = await this.storage.workspaceStore(job.workspaceId);
    const m = await store.db.selectFrom('messages').select(['status', 'send_after', 'channel', 'direction']).where('id', '=', job.messageId).executeTakeFirst();
    if (!m || m.channel !== 'sms' || m.direction !== 'out' || (m.status !== 'approved' && m.status !== 'held')) return;
    const now = this.clock();
    if (m.status === 'held' && m.send_after && m.send_after > now.toISOString()) return;
    if (await this.storage.sms.isClaimed(job.workspaceId, job.messageId)) return;
    await this.sendOne(job.workspaceId, store, job.messageId, now);
  }

  /** Sends (or holds, or refuses) every approved text of one workspace that is due. */
  async sendApproved(workspaceId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const now = this.clock();
    const due = await store.db
      .selectFrom('messages')
      .selectAll()
      .where('channel', '=', 'sms')
      .where('direction', '=', 'out')
      .where('status', 'in', ['approved', 'held', 'sending'])
      .orderBy('approved_at')
      .orderBy('id')
      .execute();
    for (const m of due) {
      if (this.closed) return;
      if (m.status === 'sending') {
        await this.settleRecorded(workspaceId, store, m);
        continue;
      }
      if (m.status === 'held' && m.send_after && m.send_after > now.toISOString()) continue;
      const key = `${workspaceId}:${m.id}`;
      const state = `${m.status}|${m.send_after ?? ''}`;
      const queued = this.queuedAt.get(key);
      if (queued !== undefined && queued.state === state && Date.now() - queued.at < this.sendJobOptions().expireInSeconds * 1000) continue;
      if (await this.storage.sms.isClaimed(workspaceId, m.id)) continue;
      // Inline (SQLite): sent right here. pg-boss: false when a job for it is already waiting.
      if (await this.storage.jobs.enqueue<SendJob>(SEND_QUEUE, key, { workspaceId, messageId: m.id })) {
        if (this.storage.jobs.kind === 'pg-boss') this.queuedAt.set(key, { at: Date.now(), state });
      }
    }
    for (const [key, { at }] of this.queuedAt) if (Date.now() - at > 10 * 60_000) this.queuedAt.delete(key);
  }

  private async sendOne(workspaceId: string, store: WorkspaceStore, messageId: string, now: Date): Promise<void> {
    const message = await store.db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirst();
    if (!message) return;
    const customer = message.customer_id ? await store.db.selectFrom('customers').selectAll().where('id', '=', message.customer_id).executeTakeFirst() : undefined;
    const to = normalizePhone(message.peer_number ?? customer?.mobile ?? '');
    const from = await this.storage.sms.numberOfWorkspace(workspaceId);
    const settings = await store.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
    const refuse = (detail: string) =>
      this.write(workspaceId, store, { actor: 'relay', action: 'sms-refused', summary: 'Text not sent', roId: message.ro_id }, (tx) =>
        tx.update('messages', messageId, { status: 'refused', status_detail: detail }),
      );

    if (!from) return void (await refuse('This shop has no texting number yet. Ask your Bayline operator to set one up.'));
    if (!to) return void (await refuse('The customer has no mobile number on file.'));
    // The HELP answer goes even to a customer who stopped texts; nothing else does.
    const isHelpAnswer = message.template_id === 'help' && message.approved_by === 'relay';
    if (!isHelpAnswer && ((await this.storage.sms.isOptedOut(workspaceId, to)) || customer?.sms_opt_out === 1)) {
      return void (await refuse('Not sent: the customer has opted out of texts (they replied STOP). They can text START to get texts again.'));
    }
    if (message.automated === 1) {
      const shopZone = isTimeZone(settings?.time_zone) ? settings!.time_zone! : 'America/Chicago';
      const profile = countryProfile(settings?.country);
      const { opens } = textingWindow(
        profile,
        { timeZone: shopZone, smsWindowStart: settings?.sms_window_start, smsWindowEnd: settings?.sms_window_end, hours: parseJson(settings?.hours, DEFAULT_HOURS) },
        isTimeZone(customer?.time_zone) ? customer!.time_zone! : null,
        now,
      );
      if (opens) {
        if (message.status !== 'held' || message.send_after !== opens.toISOString()) {
          await this.write(workspaceId, store, { actor: 'relay', action: 'sms-held', summary: 'Automated text held for quiet hours', roId: message.ro_id, audit: false }, (tx) =>
            tx.update('messages', messageId, {
              status: 'held',
              send_after: opens.toISOString(),
              status_detail:
                profile.sms.window === 'shop-hours'
                  ? `Waiting for the shop to open: automated texts go out only in the shop's own hours.`
                  : `Waiting for the customer's morning: automated texts go out only between the shop's texting hours in the customer's time.`,
            }),
          );
        }
        return;
      }
    }

    // Claimed before: another process is sending it, or did (settleRecorded writes what it recorded).
    if (!(await this.storage.sms.claimSend({ workspaceId, messageId, by: this.processId, now: new Date().toISOString() }))) return;
    const work = this.callTelnyx(workspaceId, store, message.id, message.ro_id, { from, to, text: message.body ?? '' });
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  /**
   * A text left "sending" whose send finished: a process recorded Telnyx's answer in sms_sends and
   * died before writing it on the message. The recorded outcome is written now; nothing is sent
   * again. (A text still mid-call has no finished claim and is left to its process or the sweep.)
   */
  private async settleRecorded(workspaceId: string, store: WorkspaceStore, message: { id: string; ro_id: string | null; status: string | null }): Promise<void> {
    const finished = await this.storage.sms.finishedSend(workspaceId, message.id);
    const next = finished?.outcome as SmsStatus | undefined;
    if (!finished || !next || !['queued', 'check-needed', 'failed', 'refused'].includes(next) || !movesForward(message.status, next)) return;
    await this.write(workspaceId, store, { actor: 'relay', action: 'sms-send-result', summary: `Text ${next}`, roId: message.ro_id, audit: next !== 'queued' }, async (tx) => {
      const row = await tx.get('messages', message.id);
      if (!row || !movesForward(row.status ?? null, next)) return;
      // 'refused' is only ever the carrier's opt-out answer (40300): the customer is marked as the live path would.
      if (next === 'refused') await this.markOptedOut(tx, workspaceId, row.peer_number ?? null, row.customer_id ?? null);
      await tx.update('messages', message.id, {
        status: next,
        ...(finished.telnyxId ? { external_id: finished.telnyxId } : {}),
        status_detail:
          next === 'check-needed'
            ? CHECK_NEEDED
            : next === 'queued'
              ? null
              : next === 'refused'
                ? CARRIER_OPT_OUT
                : 'The texting service refused this text.',
      });
    });
  }

  private async callTelnyx(workspaceId: string, store: WorkspaceStore, messageId: string, roId: string | null, text: { from: string; to: string; text: string }): Promise<void> {
    await this.write(workspaceId, store, { actor: 'relay', action: 'sms-send', summary: 'Text handed to the texting service', roId }, (tx) =>
      tx.update('messages', messageId, { status: 'sending', status_detail: null }),
    );
    let telnyxId: string | null = null;
    let next: SmsStatus;
    let detail: string | null = null;
    let optedOut = false;
    try {
      const response = await this.client.messages.send({
        from: text.from,
        to: text.to,
        text: text.text,
        ...(this.options.config.messagingProfileId ? { messaging_profile_id: this.options.config.messagingProfileId } : {}),
      });
      telnyxId = response.data?.id ?? null;
      next = 'queued';
      if (!telnyxId) {
        next = 'check-needed';
        detail = CHECK_NEEDED;
      }
    } catch (err) {
      if (err instanceof Telnyx.APIError && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        const first = (err.error as { errors?: Array<{ code?: string | number; title?: string; detail?: string }> } | undefined)?.errors?.[0];
        optedOut = String(first?.code ?? '') === '40300';
        next = optedOut ? 'refused' : 'failed';
        detail = optedOut
          ? CARRIER_OPT_OUT
          : `The texting service refused this text: ${describeError(first) ?? `error ${err.status}`}.`;
      } else {
        // A timeout, a broken connection or a server error: Telnyx may or may not have taken it.
        next = 'check-needed';
        detail = CHECK_NEEDED;
      }
    }
    await this.storage.sms.finishSend({ workspaceId, messageId, telnyxId, outcome: next, now: new Date().toISOString() });
    await this.write(workspaceId, store, { actor: 'relay', action: 'sms-send-result', summary: `Text ${next}`, roId, audit: next !== 'queued' }, async (tx) => {
      const row = await tx.get('messages', messageId);
      if (optedOut) await this.markOptedOut(tx, workspaceId, text.to, row?.customer_id ?? null);
      const patch: { external_id?: string; status?: SmsStatus; status_detail?: string | null } = {};
      if (telnyxId) patch.external_id = telnyxId;
      // A delivery report may have overtaken this answer.
      if (movesForward(row?.status ?? null, next)) {
        patch.status = next;
        patch.status_detail = detail;
      }
      await tx.update('messages', messageId, patch);
    });
  }

  private async markOptedOut(tx: WriteTx, workspaceId: string, phone: string | null, customerId: string | null): Promise<void> {
    const now = new Date().toISOString();
    const number = normalizePhone(phone ?? '');
    if (number) await this.storage.sms.setOptOut(workspaceId, number, true, now);
    const ids = new Set<string>();
    if (customerId) ids.add(customerId);
    if (number) for (const c of await tx.trx.selectFrom('customers').select('id').where('mobile', '=', number).execute()) ids.add(c.id);
    for (const id of ids) await tx.update('customers', id, { sms_opt_out: 1, sms_opt_out_at: now });
  }

  /**
   * Claims nobody finished: their process died mid-call or before it. Whether Telnyx got the
   * text is unknown, so a person is asked; the text is never sent again from here.
   */
  async sweepOpenClaims(before = new Date(Date.now() - 2 * this.options.config.timeoutMs - 5000)): Promise<number> {
    const open = await this.storage.sms.openClaims(before.toISOString());
    let n = 0;
    for (const claim of open) {
      if (claim.claimedBy === this.processId) continue;
      if (!(await this.storage.sms.closeOpenClaim(claim.workspaceId, claim.messageId, new Date().toISOString()))) continue;
      const store = await this.storage.workspaceStore(claim.workspaceId);
      await this.write(claim.workspaceId, store, { actor: 'relay', action: 'sms-check-needed', summary: 'Text outcome unknown: a person must check' }, async (tx) => {
        const row = await tx.get('messages', claim.messageId);
        if (!row) return;
        tx.roId = row.ro_id;
        if (movesForward(row.status, 'check-needed')) await tx.update('messages', claim.messageId, { status: 'check-needed', status_detail: CHECK_NEEDED });
      });
      n += 1;
    }
    return n;
  }

  private async write<T>(workspaceId: string, store: WorkspaceStore, intent: WriteIntent, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const result = await store.write(intent, fn);
    await this.storage.announceChanges(workspaceId);
    return result;
  }
}

function describeError(error: { code?: string | number; title?: string; detail?: string } | undefined): string | null {
  if (!error) return null;
  const words = [error.title, error.detail].filter((w): w is string => typeof w === 'string' && w !== '').join(': ');
  return words === '' ? `error ${String(error.code ?? '')}`.trim() : words.slice(0, 300);
}
