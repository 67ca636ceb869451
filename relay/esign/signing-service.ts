// E-signature on the relay, the portal half (issue 16): everything that happens to a signature
// request after a desk makes it. The relay does each side effect once, whichever desk is online:
//   - a new 'pending' request: the first one seen for its (repair, kind, version) stands, a later
//     one is voided; the customer is texted a link to it (an approved `messages` row, sent by the
//     texting service like any text: STOP and quiet hours apply) and it becomes 'sent';
//   - past expires_at it becomes 'expired';
//   - in the portal: consent (kept in `signature_consents`), opened, a one-time code (only its
//     salted hash, in the operator database; the code itself is in the text alone, never in a
//     synced row or a log line), signed or declined, withdrawal of consent;
//   - a signed request is sealed (DocumentSealer), filed as an `attachments` row kind
//     'signed-document' and marked 'signed'. Sealing that fails is tried again; nothing is lost.
// Each step is one write of the workspace store, so each is an event of the RO's hash-chained
// audit trail with the evidence (who, when, IP, user agent, consent version, intent, hash).
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';
import { FINAL_SIGNATURE_STATES, SIGNED_DOCUMENT_ATTACHMENT_KIND, type SignatureState } from '../../src-shared/esign/types.js';
import { normalizePhone } from '../../src-shared/phone.js';
import { hashToken, newToken } from '../../src-shared/portal/token.js';
import type { WorkspaceStore, WriteIntent, WriteTx } from '../../src-shared/sync/store.js';
import { type Blobs, BlobStore } from '../blobs/blob-store.js';
import { readSettings } from '../portal/portal-view.js';
import type { SmsService } from '../sms/sms-service.js';
import type { RelayStorage } from '../storage/types.js';
import { customerWords, type CustomerWords } from '../../src-shared/i18n/index.js';
import { readCustomerLanguages } from '../portal/portal-view.js';
import { DISCLOSURE_VERSION, documentLanguage, documentName, documentTitle, intentText, maskPhone } from './disclosure.js';
import type { DocumentSealer, SigningEvent } from './seal-types.js';

export interface EsignServiceOptions {
  blobDir?: string;
  /** The store itself when it is not that folder (a bucket); the folder then holds only scratch files and caches. */
  blobStore?: Blobs;
  /** The address portal links are built on. */
  publicUrl: () => string;
  /** Texting, when configured: links and one-time codes go out through it. */
  sms: SmsService | null;
  /** Seals signed documents; without it, signatures are kept and sealed once one is given. */
  sealer: DocumentSealer | null;
  /** The clock codes and requests expire by (tests move it). */
  clock?: () => Date;
  /** How long a one-time code is valid (default 10 minutes). */
  codeTtlMs?: number;
  /** How often expiry and unsealed signatures are looked at (default 30 s). */
  pollMs?: number;
}

export const MAX_CODE_ATTEMPTS = 5;
const OPEN_STATES: ReadonlySet<string> = new Set(['sent', 'opened']);

export type SignRequestRow = NonNullable<Awaited<ReturnType<typeof loadRequest>>>;

async function loadRequest(db: WorkspaceStore['db'], id: string) {
  return db.selectFrom('signature_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A refusal the customer reads (the portal shows `message`; `status` is the HTTP answer). */
export class SigningRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The catalogue key (and values) of the same sentence, for a customer who reads another language. */
    readonly say?: { key: string; values?: Record<string, unknown> },
  ) {
    super(message);
  }
}

export interface Caller {
  ip: string;
  userAgent: string;
}

export interface SignInput {
  intent: string;
  code: string | null;
  signerName: string;
  method: 'drawn' | 'typed';
  /** The drawn signature as a PNG (method 'drawn'). */
  signaturePng: Buffer | null;
  /** The words the page was shown in (the intent ticked is checked in them); American English without. */
  words?: CustomerWords;
}

/** Why a request in `state` cannot be signed, in English and as the catalogue key a customer reads it by. */
function stateWords(state: string | null): { message: string; say: { key: string } } {
  switch (state) {
    case 'signed':
      return { message: 'This document is already signed.', say: { key: 'esign.refusedSigned' } };
    case 'declined':
      return { message: 'You declined this document. Call the shop if you changed your mind.', say: { key: 'esign.refusedDeclined' } };
    case 'expired':
      return { message: 'This request has expired. Ask the shop to send it again.', say: { key: 'esign.refusedExpired' } };
    case 'voided':
      return { message: 'This version was replaced by a newer one, so it can no longer be signed. Open the newest version from your repair page.', say: { key: 'esign.refusedVoided' } };
    case 'locked':
      return { message: 'This request is locked after too many wrong codes. Please call the shop.', say: { key: 'esign.refusedLocked' } };
    default:
      return { message: 'This document cannot be signed right now.', say: { key: 'esign.refusedOther' } };
  }
}

/** A refusal for a request in `state`. */
function refusedIn(code: string, state: string | null): SigningRefused {
  const w = stateWords(state);
  return new SigningRefused(409, code, w.message, w.say);
}

export class EsignService {
  private readonly clock: () => Date;
  private readonly blobs: Blobs | null;
  private readonly dirty = new Set<string>();
  private scanning: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private closed = false;
  private readonly sealing = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: EsignServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.blobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  }

  start(): void {
    this.stopListening = this.storage.onChangesAnnounced((workspaceId) => this.markDirty(workspaceId), { background: true, ownOnly: true });
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 30_000);
    this.timer.unref();
    void this.tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.stopListening?.();
    await this.scanning?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  private readonly owner = `relay-${randomUUID()}`;

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      // Every shop: once a period (at start too) by one process of all.
      if (await this.storage.rounds.take('esign', this.options.pollMs ?? 30_000, this.owner)) {
        for (const w of await this.storage.listWorkspaces()) this.dirty.add(w.id);
      }
      await this.scanDirty();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'e-signature: periodic work failed; trying again shortly');
    }
  }

  private markDirty(workspaceId: string): void {
    this.dirty.add(workspaceId);
    if (!this.closed) void this.scanDirty().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'e-signature: scan failed'));
  }

  scanDirty(): Promise<void> {
    if (this.scanning) return this.scanning;
    this.scanning = (async () => {
      await Promise.resolve();
      try {
        while (this.dirty.size > 0 && !this.closed) {
          const [workspaceId] = this.dirty;
          this.dirty.delete(workspaceId!);
          await this.scan(workspaceId!).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'e-signature: could not look at a shop\'s requests; trying again with the next change'));
        }
      } finally {
        this.scanning = null;
      }
    })();
    return this.scanning;
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** New requests, expiry, and signatures still to seal, for one workspace. */
  async scan(workspaceId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const now = this.now();
    const open = await store.db
      .selectFrom('signature_requests')
      .selectAll()
      .where('state', 'in', ['pending', 'sent', 'opened'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const r of open) {
      if (this.closed) return;
      if (r.signed_at) continue;
      if (r.expires_at && r.expires_at <= now) {
        await this.setState(workspaceId, store, r.id, ['pending', 'sent', 'opened'], 'expired', { state_detail: 'Not signed before it expired.' }, 'Signature request expired');
        continue;
      }
      if (r.state === 'pending') await this.dispatch(workspaceId, store, r);
    }
    // Signed but not sealed yet (the sealer failed, or the relay stopped in between).
    const unsealed = await store.db
      .selectFrom('signature_requests')
      .select('id')
      .where('signed_at', 'is not', null)
      .where('sealed_blob_hash', 'is', null)
      .where('state', 'in', ['sent', 'opened'])
      .execute();
    for (const r of unsealed) this.sealInBackground(workspaceId, r.id);
  }

  private async write<T>(workspaceId: string, store: WorkspaceStore, intent: WriteIntent, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const result = await store.write(intent, fn);
    await this.storage.announceChanges(workspaceId);
    return result;
  }

  /** Moves a request from one of `from` to `to`; false when it had moved on meanwhile. */
  private async setState(
    workspaceId: string,
    store: WorkspaceStore,
    id: string,
    from: readonly string[],
    to: SignatureState,
    patch: Record<string, string | number | null>,
    summary: string,
    actor = 'relay',
  ): Promise<boolean> {
    return this.write(workspaceId, store, { actor, action: `esign-${to}`, summary }, async (tx) => {
      const row = await tx.get('signature_requests', id);
      if (!row || !from.includes(row.state ?? '')) return false;
      tx.roId = row.ro_id;
      await tx.update('signature_requests', id, { ...patch, state: to });
      return true;
    });
  }

  /** A new request: the first for its version stands; the customer gets the link. */
  private async dispatch(workspaceId: string, store: WorkspaceStore, r: SignRequestRow): Promise<void> {
    const now = this.now();
    if (r.ro_id && r.kind && r.version !== null) {
      const stands = await this.storage.esign.claimVersion({ workspaceId, roId: r.ro_id, kind: r.kind, version: Number(r.version), requestId: r.id, now });
      if (stands !== r.id) {
        const first = await loadRequest(store.db, stands);
        await this.setState(
          workspaceId,
          store,
          r.id,
          ['pending'],
          'voided',
          {
            voided_at: now,
            voided_by: stands,
            state_detail: `Another desk made version ${r.version} of this document first${first?.created_by ? ` (${first.created_by})` : ''}; that one went to the customer. Make a new version if this one differs.`,
          },
          `Duplicate version ${r.version} voided`,
        );
        return;
      }
    }
    const settings = await readSettings(store.db);
    const ro = r.ro_id ? await store.db.selectFrom('repair_orders').select(['id', 'ro_number', 'customer_id']).where('id', '=', r.ro_id).executeTakeFirst() : undefined;
    const customerId = r.customer_id ?? ro?.customer_id ?? null;
    const customer = customerId ? await store.db.selectFrom('customers').selectAll().where('id', '=', customerId).executeTakeFirst() : undefined;
    const mobile = normalizePhone(customer?.mobile ?? '');
    const texting = this.options.sms !== null && mobile !== null && (await this.storage.sms.numberOfWorkspace(workspaceId)) !== null;
    // The text is in the customer's language (customers.language), in the shop's country's words.
    const words = customerWords(settings.country, customer?.language ?? null);
    await this.write(workspaceId, store, { actor: 'relay', action: 'esign-sent', summary: texting ? `Signature request texted: ${r.title ?? 'document'}` : `Signature request in the portal: ${r.title ?? 'document'}` }, async (tx) => {
      const row = await tx.get('signature_requests', r.id);
      if (!row || row.state !== 'pending') return;
      tx.roId = row.ro_id;
      let detail: string | null = null;
      if (texting && ro) {
        // A link of its own for this request: the relay keeps only its hash; the link is in the text alone.
        const token = newToken(workspaceId);
        await tx.insert('portal_tokens', { ro_id: ro.id, kind: 'customer', token_hash: hashToken(token), issued_at: now, issued_by: null, expires_at: null });
        await tx.insert('messages', {
          ro_id: ro.id,
          customer_id: customerId,
          channel: 'sms',
          direction: 'out',
          body: words.t('esign.askText', { shop: settings.name, document: documentName(row.kind, row.title, words), number: ro.ro_number, link: `${this.options.publicUrl()}/t/${token}/sign/${row.id}` }),
          at: now,
          author: 'Automatic text',
          read_at: now,
          status: 'approved',
          approved_by: 'relay',
          approved_at: now,
          template_id: 'esign-link',
          // Sent inside the customer's texting hours, like other automatic texts; STOP is respected.
          automated: 1,
          peer_number: mobile,
        });
      } else {
        detail = mobile === null ? 'Not texted: there is no mobile number on file. It is waiting in the customer\'s portal under "To sign"; give them the portal link.' : 'Not texted: texting is not set up for this shop. It is waiting in the customer\'s portal under "To sign"; give them the portal link.';
      }
      await tx.update('signature_requests', r.id, { state: 'sent', sent_at: now, state_detail: detail });
    });
  }

  // ---- the portal's side -------------------------------------------------------------------

  /** The request behind a portal link, only when it belongs to the link's repair. */
  async requestFor(store: WorkspaceStore, roId: string, requestId: string): Promise<SignRequestRow | null> {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(requestId)) return null;
    const row = await loadRequest(store.db, requestId);
    if (!row || row.ro_id !== roId || row.state === 'pending') return null;
    return row;
  }

  async requestsOfRo(store: WorkspaceStore, roId: string): Promise<SignRequestRow[]> {
    return store.db
      .selectFrom('signature_requests')
      .selectAll()
      .where('ro_id', '=', roId)
      .where('state', '!=', 'pending')
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
  }

  /** The customer's consent in force (agreed and not withdrawn), newest first. */
  async consentOf(store: WorkspaceStore, customerId: string | null) {
    if (!customerId) return null;
    return (
      (await store.db
        .selectFrom('signature_consents')
        .selectAll()
        .where('customer_id', '=', customerId)
        .where('withdrawn_at', 'is', null)
        .where('agreed_at', 'is not', null)
        .orderBy('agreed_at', 'desc')
        .executeTakeFirst()) ?? null
    );
  }

  /** `version`: the disclosure as read (disclosureVersion(words)); the base English version without. */
  async consent(workspaceId: string, store: WorkspaceStore, roId: string, customerId: string | null, caller: Caller, version = DISCLOSURE_VERSION): Promise<void> {
    if (!customerId) throw new SigningRefused(409, 'no-customer', 'This repair has no customer on file. Please call the shop.');
    if (await this.consentOf(store, customerId)) return;
    const now = this.now();
    await this.write(workspaceId, store, { actor: 'customer', action: 'esign-consent', summary: `Consent to sign electronically given (disclosure ${version})`, roId }, async (tx) => {
      await tx.insert('signature_consents', { customer_id: customerId, ro_id: roId, disclosure_version: version, agreed_at: now, ip: caller.ip, user_agent: caller.userAgent });
    });
  }

  async withdraw(workspaceId: string, store: WorkspaceStore, roId: string, customerId: string | null, caller: Caller): Promise<boolean> {
    const current = await this.consentOf(store, customerId);
    if (!current) return false;
    const now = this.now();
    await this.write(workspaceId, store, { actor: 'customer', action: 'esign-consent-withdrawn', summary: 'Consent to sign electronically withdrawn: use paper from now on', roId }, async (tx) => {
      await tx.update('signature_consents', current.id, { withdrawn_at: now, withdrawn_ip: caller.ip, withdrawn_user_agent: caller.userAgent });
    });
    return true;
  }

  /** The first look at a request after consent: 'opened'. */
  async opened(workspaceId: string, store: WorkspaceStore, r: SignRequestRow, caller: Caller): Promise<void> {
    if (r.state !== 'sent') return;
    const now = this.now();
    await this.setState(workspaceId, store, r.id, ['sent'], 'opened', { opened_at: now }, `Document opened by the customer (${caller.ip})`, 'customer');
  }

  private refuseUnlessOpen(r: SignRequestRow): void {
    if (!OPEN_STATES.has(r.state ?? '') || r.signed_at) throw refusedIn(`state-${r.state}`, r.signed_at ? 'signed' : r.state);
    if (r.expires_at && r.expires_at <= this.now()) throw refusedIn('state-expired', 'expired');
  }

  /** Sends a one-time code by text to the mobile on file. Answers where it went (masked). */
  async sendCode(workspaceId: string, store: WorkspaceStore, r: SignRequestRow): Promise<string> {
    this.refuseUnlessOpen(r);
    if (r.needs_code !== 1) throw new SigningRefused(400, 'no-code-needed', 'This document needs no code.');
    const sms = this.options.sms;
    const customer = r.customer_id ? await store.db.selectFrom('customers').selectAll().where('id', '=', r.customer_id).executeTakeFirst() : undefined;
    const to = normalizePhone(customer?.mobile ?? '');
    const from = await this.storage.sms.numberOfWorkspace(workspaceId);
    if (!sms || !from || !to) throw new SigningRefused(409, 'no-mobile', 'We cannot text you a code: the shop has no mobile number for you, or cannot send texts. Please call the shop to sign on paper.', { key: 'esign.noMobile' });
    if (customer?.sms_opt_out === 1 || (await this.storage.sms.isOptedOut(workspaceId, to))) {
      throw new SigningRefused(409, 'opted-out', 'We cannot text you a code because this number replied STOP. Text START to the shop\'s number, then try again.', { key: 'esign.optedOut' });
    }
    const previous = await this.storage.esign.codeState(workspaceId, r.id);
    if (previous && previous.wrongAttempts >= MAX_CODE_ATTEMPTS) {
      await this.lock(workspaceId, store, r.id);
      throw refusedIn('state-locked', 'locked');
    }
    const clockNow = this.clock();
    if (previous && Date.parse(previous.sentAt) > clockNow.getTime() - 30_000) {
      throw new SigningRefused(429, 'too-soon', 'A code was sent less than 30 seconds ago. Please wait a moment for it to arrive.', { key: 'esign.tooSoon' });
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const now = clockNow.toISOString();
    const expiresAt = new Date(clockNow.getTime() + (this.options.codeTtlMs ?? 10 * 60_000)).toISOString();
    await this.storage.esign.putCode({ workspaceId, requestId: r.id, code, now, expiresAt });
    const settings = await readSettings(store.db);
    let country: string | null = null;
    try {
      // The text is in the customer's language (customers.language), like every text from the shop.
      country = (await readCustomerLanguages(store.db)).country;
      const words = customerWords(country, customer?.language ?? null);
      await sms.client.messages.send({ from, to, text: words.t('esign.codeText', { shop: settings.name, code }) });
    } catch {
      throw new SigningRefused(502, 'text-failed', 'The code could not be texted just now. Please try again in a minute.', { key: 'esign.textFailed' });
    }
    const masked = `text to ${maskPhone(to, country)}`;
    await this.write(workspaceId, store, { actor: 'relay', action: 'esign-code-sent', summary: `One-time code sent by ${masked}`, roId: r.ro_id }, async (tx) => {
      await tx.update('signature_requests', r.id, { code_sent_at: now, code_sent_to: masked });
    });
    return masked;
  }

  private async lock(workspaceId: string, store: WorkspaceStore, id: string): Promise<void> {
    await this.setState(
      workspaceId,
      store,
      id,
      ['sent', 'opened'],
      'locked',
      { locked_at: this.now(), state_detail: `Locked after ${MAX_CODE_ATTEMPTS} wrong codes. Check with the customer (by phone or in person) and send a new request, or use paper.` },
      `Signature request locked after ${MAX_CODE_ATTEMPTS} wrong codes`,
    );
  }

  async decline(workspaceId: string, store: WorkspaceStore, r: SignRequestRow, reason: string, caller: Caller): Promise<void> {
    this.refuseUnlessOpen(r);
    const clean = reason.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim().slice(0, 1000);
    if (clean === '') throw new SigningRefused(400, 'no-reason', 'Please tell the shop why, so they can help.');
    const ok = await this.setState(workspaceId, store, r.id, ['sent', 'opened'], 'declined', { declined_at: this.now(), decline_reason: clean, signed_ip: caller.ip, signed_user_agent: caller.userAgent }, `Declined by the customer: ${clean.slice(0, 120)}`, 'customer');
    if (!ok) throw new SigningRefused(409, 'state-changed', 'This document cannot be declined any more.');
  }

  /**
   * Signs: every rule is checked again here (the page may be old, the POST replayed or forged).
   * The claim (signed_at) is one transaction, so a replay or a second tab finds it taken.
   */
  async sign(workspaceId: string, store: WorkspaceStore, r: SignRequestRow, input: SignInput, caller: Caller): Promise<void> {
    this.refuseUnlessOpen(r);
    if (!r.ro_id || !r.kind) throw refusedIn('incomplete', null);
    // A newer version of the same document supersedes this one.
    const newer = await store.db
      .selectFrom('signature_requests')
      .select(['id', 'version'])
      .where('ro_id', '=', r.ro_id)
      .where('kind', '=', r.kind)
      .where('version', '>', r.version ?? 0)
      .where('state', '!=', 'voided')
      .executeTakeFirst();
    if (newer) {
      await this.setState(workspaceId, store, r.id, ['sent', 'opened'], 'voided', { voided_at: this.now(), voided_by: newer.id, state_detail: `Version ${newer.version} was issued; this version can no longer be signed.` }, `Version ${r.version} voided: version ${newer.version} supersedes it`);
      throw refusedIn('state-voided', 'voided');
    }
    const consent = await this.consentOf(store, r.customer_id);
    if (!consent) throw new SigningRefused(403, 'no-consent', 'Please read and agree to sign electronically first.', { key: 'esign.noConsent' });
    const intent = intentText(r.kind, r.title ?? '', input.words);
    if (input.intent !== intent) throw new SigningRefused(400, 'no-intent', `Tick "${intent}" to sign.`, { key: 'esign.noIntent', values: { intent } });
    const signerName = input.signerName.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 120);
    if (signerName === '') throw new SigningRefused(400, 'no-name', 'Type your full name.', { key: 'esign.noName' });
    if (input.method === 'drawn' && (!input.signaturePng || !isPng(input.signaturePng))) throw new SigningRefused(400, 'no-signature', 'Draw your signature in the box, or type it instead.', { key: 'esign.noSignature' });
    // The exact bytes shown: their SHA-256 was fixed when the request was made.
    const document = await this.documentBytes(workspaceId, r);
    if (!document) throw new SigningRefused(503, 'no-document', 'The document is still on its way to us. Please try again in a minute.');
    if (createHash('sha256').update(document).digest('hex') !== r.document_sha256) {
      throw new SigningRefused(409, 'document-changed', 'This document does not match the one the shop prepared, so it cannot be signed. The shop has been told.');
    }
    let codeVerifiedAt: string | null = r.code_verified_at;
    if (r.needs_code === 1) {
      const code = (input.code ?? '').replace(/\D/g, '');
      if (code.length !== 6) throw new SigningRefused(400, 'no-code', 'Enter the 6-digit code we texted you.', { key: 'esign.noCode' });
      const check = await this.storage.esign.checkCode({ workspaceId, requestId: r.id, code, now: this.now(), maxAttempts: MAX_CODE_ATTEMPTS });
      if (check.outcome === 'none') throw new SigningRefused(400, 'no-code', 'Ask for a code first ("Text me a code").', { key: 'esign.askCode' });
      if (check.outcome === 'expired') throw new SigningRefused(400, 'code-expired', 'That code has expired. Ask for a new one.', { key: 'esign.codeExpired' });
      if (check.outcome === 'locked') {
        await this.lock(workspaceId, store, r.id);
        throw refusedIn('state-locked', 'locked');
      }
      if (check.outcome === 'wrong') throw new SigningRefused(400, 'code-wrong', `That code is not right. ${check.attemptsLeft === 1 ? '1 try left' : `${check.attemptsLeft} tries left`}.`, {
          key: 'esign.codeWrong',
          values: { count: check.attemptsLeft },
        });
      if (!codeVerifiedAt) {
        codeVerifiedAt = this.now();
        const at = codeVerifiedAt;
        await this.write(workspaceId, store, { actor: 'customer', action: 'esign-code-verified', summary: 'One-time code verified', roId: r.ro_id }, async (tx) => {
          await tx.update('signature_requests', r.id, { code_verified_at: at });
        });
      }
    }
    let signatureHash: string | null = null;
    if (input.signaturePng) {
      signatureHash = createHash('sha256').update(input.signaturePng).digest('hex');
      await this.putBlob(workspaceId, signatureHash, input.signaturePng, 'image/png');
    }
    const now = this.now();
    const claimed = await this.write(
      workspaceId,
      store,
      { actor: 'customer', action: 'esign-signed', summary: `Signed by ${signerName} (${input.method}; ${caller.ip}; document SHA-256 ${r.document_sha256}; consent ${consent.disclosure_version}; "${intent}")`, roId: r.ro_id },
      async (tx) => {
        const row = await tx.get('signature_requests', r.id);
        if (!row || !OPEN_STATES.has(row.state ?? '') || row.signed_at) return false;
        await tx.update('signature_requests', r.id, {
          signed_at: now,
          signer_name: signerName,
          signature_method: input.method,
          signature_blob_hash: signatureHash,
          consent_id: consent.id,
          intent_text: intent,
          signed_ip: caller.ip,
          signed_user_agent: caller.userAgent.slice(0, 500),
          state_detail: 'Signed; the sealed copy is being made.',
        });
        return true;
      },
    );
    if (!claimed) throw refusedIn('state-signed', 'signed');
    await this.sealNow(workspaceId, r.id);
  }

  async documentBytes(workspaceId: string, r: { document_blob_hash: string | null }): Promise<Buffer | null> {
    if (!this.blobs || !r.document_blob_hash) return null;
    const opened = await this.blobs.open(workspaceId, r.document_blob_hash);
    if (!opened) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private async putBlob(workspaceId: string, hash: string, bytes: Buffer, mimeType: string): Promise<void> {
    if (!this.blobs) throw new SigningRefused(503, 'no-blobs', 'Signing is not available right now. Please call the shop.');
    await this.blobs.put(workspaceId, hash, Readable.from([bytes]), MAX_BLOB_BYTES);
    await this.storage.recordBlob({ workspaceId, hash, sizeBytes: bytes.length, mimeType, createdAt: new Date().toISOString() });
  }

  private sealInBackground(workspaceId: string, id: string): void {
    const work = this.sealNow(workspaceId, id).catch(() => undefined);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Seals a signed request once (per process), files the sealed PDF and marks it 'signed'. */
  async sealNow(workspaceId: string, id: string): Promise<void> {
    const key = `${workspaceId}:${id}`;
    if (this.sealing.has(key) || !this.options.sealer) return;
    this.sealing.add(key);
    try {
      const store = await this.storage.workspaceStore(workspaceId);
      const r = await loadRequest(store.db, id);
      if (!r || !r.signed_at || r.sealed_blob_hash || FINAL_SIGNATURE_STATES.has((r.state ?? 'pending') as SignatureState)) return;
      const document = await this.documentBytes(workspaceId, r);
      if (!document) return;
      const settings = await readSettings(store.db);
      const ro = r.ro_id ? await store.db.selectFrom('repair_orders').select('ro_number').where('id', '=', r.ro_id).executeTakeFirst() : undefined;
      const consent = r.consent_id ? await store.db.selectFrom('signature_consents').selectAll().where('id', '=', r.consent_id).executeTakeFirst() : undefined;
      const signaturePng = r.signature_blob_hash ? await this.documentBytes(workspaceId, { document_blob_hash: r.signature_blob_hash }) : null;
      // The signature page and certificate are in the words the customer signed: the language the
      // desk drew the document in, else (the shop's own PDF, an older request) the customer's.
      const signer = r.customer_id ? await store.db.selectFrom('customers').select('language').where('id', '=', r.customer_id).executeTakeFirst() : undefined;
      const drawnIn = documentLanguage(r.document_detail);
      const sealWords = customerWords(settings.country, drawnIn.language ?? signer?.language ?? null, { pseudo: false });
      const st = sealWords.t;
      const title = documentTitle(r.kind, r.version, r.title, sealWords);
      // Where the code went ("text to (512) ***-0147" as stored), in the same words.
      const codeTo = r.code_sent_to ? st('sealCert.byText', { number: r.code_sent_to.replace(/^text to /, '') }) : null;
      const events: SigningEvent[] = [];
      const add = (at: string | null, what: string, extra: Partial<SigningEvent> = {}) => {
        if (at) events.push({ at, what, ...extra });
      };
      add(r.created_at, st('sealCert.eventRequest', { title, version: r.version ?? 1 }));
      add(r.sent_at, st('sealCert.eventSent'));
      add(consent?.agreed_at ?? null, st('sealCert.eventConsent', { version: consent?.disclosure_version ?? '' }), { ip: consent?.ip ?? undefined, userAgent: consent?.user_agent ?? undefined });
      add(r.opened_at, st('sealCert.eventOpened'));
      add(r.code_sent_at, st('sealCert.eventCodeSent', { to: codeTo ?? '' }));
      add(r.code_verified_at, st('sealCert.eventCodeVerified'));
      add(r.signed_at, st(r.signature_method === 'drawn' ? 'sealCert.eventSignedDrawn' : 'sealCert.eventSignedTyped', { name: r.signer_name ?? '' }), {
        ip: r.signed_ip ?? undefined,
        userAgent: r.signed_user_agent ?? undefined,
      });
      events.sort((a, b) => a.at.localeCompare(b.at));
      let sealed;
      try {
        sealed = await this.options.sealer.seal({
          workspaceId,
          shopName: settings.name,
          document,
          documentSha256: r.document_sha256 ?? '',
          title,
          roNumber: ro?.ro_number ?? null,
          signerName: r.signer_name ?? '',
          signaturePng,
          signedAt: r.signed_at,
          intentText: r.intent_text ?? '',
          consent: { disclosureVersion: consent?.disclosure_version ?? DISCLOSURE_VERSION, agreedAt: consent?.agreed_at ?? r.signed_at },
          codeSentTo: r.needs_code === 1 ? codeTo : null,
          events,
          timeZone: settings.timeZone,
          words: sealWords,
          documentLocale: drawnIn.locale,
        });
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'e-signature: sealing failed; it will be tried again');
        await this.write(workspaceId, store, { actor: 'relay', action: 'esign-seal-failed', summary: 'Signed; sealing the PDF failed and will be tried again', roId: r.ro_id, audit: false }, (tx) =>
          tx.update('signature_requests', id, { state_detail: 'Signed; making the sealed copy failed and is being tried again.' }),
        );
        return;
      }
      await this.putBlob(workspaceId, sealed.sha256, sealed.pdf, 'application/pdf');
      const now = new Date().toISOString();
      // The customer's copy: a text with a link of its own to the sealed PDF (same rules as the
      // request's text: texting hours, STOP), written with the filing so it goes once.
      const customerId = r.customer_id ?? (r.ro_id ? (await store.db.selectFrom('repair_orders').select('customer_id').where('id', '=', r.ro_id).executeTakeFirst())?.customer_id : null) ?? null;
      const customer = customerId ? await store.db.selectFrom('customers').select(['mobile', 'language']).where('id', '=', customerId).executeTakeFirst() : undefined;
      const words = customerWords(settings.country, customer?.language ?? null);
      const mobile = normalizePhone(customer?.mobile ?? '');
      const texting = this.options.sms !== null && mobile !== null && !!r.ro_id && (await this.storage.sms.numberOfWorkspace(workspaceId)) !== null;
      await this.write(workspaceId, store, { actor: 'relay', action: 'esign-sealed', summary: `Sealed signed copy filed (SHA-256 ${sealed.sha256})`, roId: r.ro_id }, async (tx) => {
        const row = await tx.get('signature_requests', id);
        if (!row || row.sealed_blob_hash) return;
        await tx.insert('attachments', {
          ro_id: row.ro_id,
          kind: SIGNED_DOCUMENT_ATTACHMENT_KIND,
          blob_hash: sealed.sha256,
          file_name: `${(row.title ?? 'Document').replace(/[\\/:*?"<>|]/g, '-')} (signed).pdf`,
          mime_type: 'application/pdf',
          size_bytes: sealed.pdf.length,
          published: 1,
          source: 'relay',
          added_at: now,
          added_by: 'relay',
          signature_request_id: id,
        });
        await tx.update('signature_requests', id, { sealed_blob_hash: sealed.sha256, state: 'signed', state_detail: null });
        if (texting && row.ro_id) {
          const token = newToken(workspaceId);
          await tx.insert('portal_tokens', { ro_id: row.ro_id, kind: 'customer', token_hash: hashToken(token), issued_at: now, issued_by: null, expires_at: null });
          await tx.insert('messages', {
            ro_id: row.ro_id,
            customer_id: customerId,
            channel: 'sms',
            direction: 'out',
            body: words.t(ro?.ro_number ? 'esign.thanksText' : 'esign.thanksTextNoRo', {
              shop: settings.name,
              document: documentName(row.kind, row.title, words),
              number: ro?.ro_number ?? '',
              link: `${this.options.publicUrl()}/t/${token}/sign/${row.id}/signed.pdf`,
            }),
            at: now,
            author: 'Automatic text',
            read_at: now,
            status: 'approved',
            approved_by: 'relay',
            approved_at: now,
            template_id: 'esign-copy',
            automated: 1,
            peer_number: mobile,
          });
        }
      });
    } finally {
      this.sealing.delete(key);
    }
  }
}

function isPng(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}
