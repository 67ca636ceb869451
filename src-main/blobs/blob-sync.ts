// Moves a paired desk's photos and PDFs to and from the relay in the background: every blob the
// workspace's rows reference is uploaded if only this desk has it, and downloaded if this desk
// lacks it. Rows travel by sync; the bytes follow here, over HTTP with the device credential.
// Failures wait and retry (the shop keeps working offline); nothing half-transferred is kept.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { bearer } from '../../src-shared/sync/protocol.js';
import type { TouchedRows, WorkspaceStore } from '../../src-shared/sync/store.js';
import type { DeviceCredential } from '../sync/device.js';
import type { SyncClient } from '../sync/sync-client.js';
import { BLOB_MIME_TYPES } from '../../src-shared/blob-types.js';
import {
  hasLocalBlob,
  isBlobHash,
  listLocalBlobs,
  LocalBlobError,
  localBlobPath,
  readBlobHead,
  receiveBlob,
  sniffMimeType,
  sweepIncoming,
} from './local-blobs.js';

export interface BlobSyncOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Largest download accepted (default 500 MB, the most an attachment row may claim). */
  maxDownloadBytes?: number;
  /** A transfer that hears nothing from the relay for this long is given up and retried (default 60 s). */
  idleTimeoutMs?: number;
}

export interface BlobSyncCounts {
  uploadsWaiting: number;
  downloadsWaiting: number;
  /** Uploads the relay refused for good (type, size); retried only when the desk starts again. */
  uploadsRefused: number;
  /** Files the relay lost and asked for that this desk does not have either (another desk may). */
  lostOnRelayNotHere: number;
  problem: string | null;
}

/** `meta` keys saying the relay has a blob (value: the relay's URL), so a restart does not ask again about every photo. */
const ON_RELAY = 'blob-on-relay:';
const DEFAULT_MAX_DOWNLOAD_BYTES = 500_000_000;

type FailureKind = 'unreachable' | 'unauthorized' | 'refused' | 'retry';

class TransferError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

interface Upload {
  hash: string;
  /** The type the row declared, when it is one the relay accepts. */
  mimeType: string | null;
}

export class BlobSync {
  private stopped = true;
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Consecutive passes that could not reach the relay at all. */
  private attempt = 0;
  /** Per blob and direction: how often it failed and when it may be tried again. */
  private readonly failures = new Map<string, { attempts: number; nextAt: number }>();
  private readonly refused = new Set<string>();
  private uploadsWaiting = new Set<string>();
  private downloadsWaiting = new Set<string>();
  private problem: string | null = null;
  private refusedProblem: string | null = null;
  private aborter = new AbortController();
  private readonly listeners = new Set<(counts: BlobSyncCounts) => void>();
  private unsubscribe: Array<() => void> = [];
  private online = false;
  /** Blobs the relay lost and asked for that this desk holds: sent again, named by a row or not. */
  private readonly wanted = new Set<string>();
  /** Blobs the relay lost and asked for that this desk does not hold either. */
  private readonly lacking = new Set<string>();

  constructor(
    private readonly store: WorkspaceStore,
    private readonly dataDir: string,
    private readonly device: DeviceCredential,
    /** Its connections are the cue to retry at once; without one, retries run on the backoff timer only. */
    private readonly syncClient: SyncClient | null,
    private readonly options: BlobSyncOptions = {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.aborter = new AbortController();
    this.unsubscribe = [
      this.store.onChange((touched: TouchedRows) => {
        if (touched.has('attachments') || touched.has('workspace_settings')) this.kick();
      }),
    ];
    if (this.syncClient) {
      this.unsubscribe.push(
        // The relay lost files: those this desk holds go up again (even one no row names any more);
        // those it lacks are noted (`relayAsked`), not sent, and another desk that has them answers.
        this.syncClient.onRelayFrame(async (frame) => {
          if (frame.t !== 'blobs-wanted' || frame.hashes.length === 0) return;
          const held: string[] = [];
          const notHere: string[] = [];
          for (const hash of frame.hashes) {
            if (await hasLocalBlob(this.dataDir, hash)) held.push(hash);
            else notHere.push(hash);
          }
          for (const hash of notHere) this.lacking.add(hash);
          // Said, so the relay stops asking this desk (a relay that does not know the frame is not told).
          if (notHere.length > 0) this.syncClient?.sendFrame({ t: 'blobs-lacking', hashes: notHere });
          if (held.length === 0) return this.emit();
          await this.forgetOnRelay(held);
          for (const hash of held) {
            this.wanted.add(hash);
            this.lacking.delete(hash);
            this.failures.delete(`up:${hash}`);
          }
          this.kick();
        }),
      );
      this.unsubscribe.push(
        this.syncClient.onStatus((status) => {
          // A fresh connection means the relay is back: whatever waited may go now.
          if (status.online && !this.online) {
            this.failures.clear();
            this.attempt = 0;
            this.kick();
          }
          this.online = status.online;
        }),
      );
    }
    // Temp files of a transfer cut off by a crash; only old ones, in case an import is under way.
    void sweepIncoming(this.dataDir, 60 * 60 * 1000).catch(() => undefined);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.aborter.abort();
    await this.running?.catch(() => undefined);
  }

  counts(): BlobSyncCounts {
    return {
      uploadsWaiting: this.uploadsWaiting.size,
      downloadsWaiting: this.downloadsWaiting.size,
      uploadsRefused: this.refused.size,
      lostOnRelayNotHere: this.lacking.size,
      problem: this.problem,
    };
  }

  /** What the relay asked for (it lost them): the hashes this desk is sending again, and those it does not have. */
  relayAsked(): { sending: string[]; lacking: string[] } {
    return { sending: [...this.wanted].sort(), lacking: [...this.lacking].sort() };
  }

  onCounts(listener: (counts: BlobSyncCounts) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a pass now, or right after the one under way (a change may have come in while it planned). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.running = this.runPasses().finally(() => {
      this.running = null;
      // A kick that came in after the last pass planned must not be lost.
      if (this.again && !this.stopped) this.kick();
      else this.scheduleRetry();
    });
  }

  private async runPasses(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (err) {
        // A database or disk error: reported, and tried again on the backoff timer.
        this.problem = `Photos and documents could not be synced: ${(err as Error).message}`;
        this.attempt += 1;
      }
      this.emit();
    } while (this.again && !this.stopped);
  }

  private async pass(): Promise<void> {
    const { uploads, downloads } = await this.plan();
    this.uploadsWaiting = new Set(uploads.map((u) => u.hash));
    this.downloadsWaiting = new Set(downloads);
    this.emit();
    const [up, down] = await Promise.all([
      this.runQueue('up', uploads, (u) => u.hash, (u) => this.upload(u), this.uploadsWaiting),
      this.runQueue('down', downloads, (h) => h, (h) => this.download(h), this.downloadsWaiting),
    ]);
    if (up === 'unreachable' || down === 'unreachable') {
      this.attempt += 1;
      this.problem = 'The relay cannot be reached; photos and documents will be synced when it answers again.';
    } else if (up === 'unauthorized' || down === 'unauthorized') {
      // Asking again soon would only be refused again; the backoff grows to its longest.
      this.attempt += 1;
      this.problem = 'The relay refused this desk; pair it again to sync photos and documents.';
    } else {
      this.attempt = 0;
      // A blob the relay does not have yet is no problem to report: another desk still has to send it.
      this.problem = this.refused.size > 0 ? this.refusedProblem : null;
    }
  }

  /** One transfer at a time per direction; a relay that cannot be reached ends the queue for this pass. */
  private async runQueue<T>(
    direction: 'up' | 'down',
    items: T[],
    hashOf: (item: T) => string,
    transfer: (item: T) => Promise<void>,
    waiting: Set<string>,
  ): Promise<'done' | 'unreachable' | 'unauthorized'> {
    for (const item of items) {
      if (this.stopped) return 'done';
      const hash = hashOf(item);
      const key = `${direction}:${hash}`;
      const failure = this.failures.get(key);
      if (failure && failure.nextAt > Date.now()) continue;
      try {
        await transfer(item);
        this.failures.delete(key);
        waiting.delete(hash);
        this.emit();
      } catch (err) {
        if (this.stopped) return 'done';
        const kind = err instanceof TransferError ? err.kind : 'retry';
        if (kind === 'unreachable' || kind === 'unauthorized') return kind;
        if (kind === 'refused') {
          this.refused.add(hash);
          waiting.delete(hash);
          this.refusedProblem = (err as Error).message;
          continue;
        }
        const attempts = (failure?.attempts ?? 0) + 1;
        this.failures.set(key, { attempts, nextAt: Date.now() + this.backoff(attempts) });
      }
    }
    return 'done';
  }

  /** What the rows reference, against what this desk holds and what the relay is known to hold. */
  private async plan(): Promise<{ uploads: Upload[]; downloads: string[] }> {
    const db = this.store.db;
    const attachments = await db
      .selectFrom('attachments')
      .select(['blob_hash', 'mime_type'])
      .where('blob_hash', 'is not', null)
      .where('removed_at', 'is', null)
      .execute();
    const logos = await db.selectFrom('workspace_settings').select('logo_hash').where('logo_hash', 'is not', null).execute();
    const referenced = new Map<string, string | null>();
    for (const a of attachments) {
      if (!isBlobHash(a.blob_hash)) continue;
      const declared = a.mime_type && BLOB_MIME_TYPES.includes(a.mime_type) ? a.mime_type : null;
      if (!referenced.get(a.blob_hash)) referenced.set(a.blob_hash, declared);
    }
    for (const l of logos) if (isBlobHash(l.logo_hash) && !referenced.has(l.logo_hash)) referenced.set(l.logo_hash, null);

    const onRelay = new Set(
      (
        await db
          .selectFrom('meta')
          .select('key')
          .where('key', 'like', `${ON_RELAY}%`)
          .where('value', '=', this.device.relayUrl)
          .execute()
      ).map((r) => r.key.slice(ON_RELAY.length)),
    );
    const local = await listLocalBlobs(this.dataDir);
    const uploads: Upload[] = [];
    const downloads: string[] = [];
    for (const [hash, mimeType] of referenced) {
      if (!local.has(hash)) downloads.push(hash);
      else if (!onRelay.has(hash) && !this.refused.has(hash)) uploads.push({ hash, mimeType });
    }
    // Asked for by the relay though no live row names it (a removed photo the relay still records).
    for (const hash of this.wanted) {
      if (!referenced.has(hash) && local.has(hash) && !onRelay.has(hash) && !this.refused.has(hash)) uploads.push({ hash, mimeType: null });
    }
    for (const hash of this.lacking) if (local.has(hash)) this.lacking.delete(hash);
    return { uploads, downloads };
  }

  private async upload({ hash, mimeType }: Upload): Promise<void> {
    const head = await this.request('HEAD', hash);
    head.resume();
    if (head.statusCode === 200) return this.markOnRelay(hash);
    if (head.statusCode !== 404) throw failureFor(head.statusCode ?? 0, 'asking the relay about a file');

    const file = localBlobPath(this.dataDir, hash);
    const type = mimeType ?? sniffMimeType(await readBlobHead(this.dataDir, hash));
    if (!type) throw new TransferError('refused', `A file on this desk (${hash.slice(0, 12)}…) is not a photo or PDF the relay accepts.`);
    const size = (await fs.promises.stat(file)).size;
    const body = fs.createReadStream(file);
    const res = await this.request('PUT', hash, { 'content-type': type, 'content-length': String(size) }, body).finally(() =>
      body.destroy(),
    );
    const answer = await readSmall(res);
    if (res.statusCode === 200 || res.statusCode === 201) return this.markOnRelay(hash);
    if (res.statusCode === 413 || res.statusCode === 415 || res.statusCode === 422) {
      throw new TransferError('refused', `The relay refused a file (${hash.slice(0, 12)}…): ${messageOf(answer) ?? `HTTP ${res.statusCode}`}`);
    }
    throw failureFor(res.statusCode ?? 0, 'uploading a file');
  }

  private async download(hash: string): Promise<void> {
    // Another pass or an import may have brought it meanwhile.
    if (await hasLocalBlob(this.dataDir, hash)) return;
    const res = await this.request('GET', hash);
    if (res.statusCode !== 200) {
      res.resume();
      // 404: the desk that has it has not uploaded it yet; it will be asked for again later.
      throw failureFor(res.statusCode ?? 0, 'downloading a file');
    }
    const max = this.options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    try {
      await receiveBlob(this.dataDir, hash, res, max);
    } catch (err) {
      res.destroy();
      if (this.stopped) throw err;
      if (err instanceof LocalBlobError && err.code === 'aborted') {
        throw new TransferError('unreachable', `The relay stopped sending a file: ${err.message}`);
      }
      throw new TransferError('retry', (err as Error).message);
    }
    await this.markOnRelay(hash);
  }

  private async forgetOnRelay(hashes: readonly string[]): Promise<void> {
    await this.store.db
      .deleteFrom('meta')
      .where(
        'key',
        'in',
        hashes.map((h) => `${ON_RELAY}${h}`),
      )
      .execute();
  }

  private async markOnRelay(hash: string): Promise<void> {
    this.wanted.delete(hash);
    this.lacking.delete(hash);
    const key = `${ON_RELAY}${hash}`;
    await this.store.db
      .insertInto('meta')
      .values({ key, value: this.device.relayUrl })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql<string>`excluded.value` }))
      .execute();
  }

  /** One request to `/blobs/<hash>`; resolves with the response once its head arrived. */
  private request(method: string, hash: string, headers: Record<string, string> = {}, body?: Readable): Promise<http.IncomingMessage> {
    const url = new URL(`/blobs/${hash}`, `${this.device.relayUrl.replace(/\/+$/, '')}/`);
    const client = url.protocol === 'https:' ? https : http;
    const idleMs = this.options.idleTimeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const req = client.request(url, {
        method,
        headers: { ...headers, authorization: bearer(this.device.deviceId, this.device.secret) },
        signal: this.aborter.signal,
        timeout: idleMs,
      });
      req.on('timeout', () => req.destroy(new Error('the relay stopped answering')));
      req.on('error', (err) => reject(new TransferError('unreachable', `The relay cannot be reached: ${err.message}`)));
      req.on('response', (res) => {
        // Whoever reads the body sees a broken transfer; this only keeps an unread one from crashing the desk.
        res.on('error', () => undefined);
        res.setTimeout(idleMs, () => res.destroy(new Error('the relay stopped sending')));
        resolve(res);
      });
      if (body) {
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
      } else {
        req.end();
      }
    });
  }

  private backoff(attempts: number): number {
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 5 * 60 * 1000;
    return Math.min(max, min * 2 ** Math.max(0, attempts - 1)) * (0.5 + Math.random() / 2);
  }

  /** Comes back when something still waits: after the backoff, or when the earliest failed blob is due. */
  private scheduleRetry(): void {
    if (this.stopped || this.running || this.retryTimer) return;
    if (this.uploadsWaiting.size === 0 && this.downloadsWaiting.size === 0) return;
    let delay: number;
    if (this.attempt > 0) {
      delay = this.backoff(this.attempt);
    } else {
      const due = [...this.failures.values()].map((f) => f.nextAt);
      delay = due.length > 0 ? Math.max(0, Math.min(...due) - Date.now()) : this.backoff(1);
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }

  private emit(): void {
    const counts = this.counts();
    for (const listener of this.listeners) listener(counts);
  }
}

function failureFor(status: number, doing: string): TransferError {
  if (status === 401 || status === 403) return new TransferError('unauthorized', `The relay refused this desk while ${doing} (HTTP ${status}).`);
  if (status >= 500 || status === 0) return new TransferError('unreachable', `The relay had a problem while ${doing} (HTTP ${status}).`);
  return new TransferError('retry', `The relay answered HTTP ${status} while ${doing}.`);
}

/** Reads a short JSON answer (the relay's error or receipt); anything long is cut off, not buffered. Null if unreadable. */
async function readSmall(res: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024) {
        res.destroy();
        return null;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    // A relay that refuses an upload may close the connection right after its answer; the status decides.
    return null;
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

function messageOf(answer: unknown): string | null {
  const message = (answer as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : null;
}
