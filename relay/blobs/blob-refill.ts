// Blobs the relay's store lost (a bucket emptied by mistake, a lost volume) are filled again from
// the desks: every desk keeps its shop's photos and PDFs, so one that still has a blob can send it
// again. The relay notices a loss when a read finds a recorded blob absent (`blobs`, the store
// wrapped so every reader reports misses) and by a check at start that compares the records with
// what the store lists. It notes the loss in the operator records (operator migration 15), asks
// the workspace's desks connected to this process over sync (`blobs-wanted`), asks each desk that
// connects later at its hello, and every minute asks the desks connected here for lost blobs they
// were not yet asked for on their connection (so a loss another relay process noticed reaches
// them); a blob no desk sends is not asked for again and again but reported in the log. The
// desk's upload records the blob again, which clears the note.
import type { FastifyBaseLogger } from 'fastify';
import type { Readable } from 'node:stream';
import type { SyncHub } from '../sync/sync-hub.js';
import type { RelayStorage } from '../storage/types.js';
import type { Blobs, PutResult } from './blob-store.js';

export interface BlobRefillOptions {
  /** How often desks of workspaces still missing blobs are asked again (default 60 s). */
  reaskMs?: number;
  /** Compare the records with the store at start (default on). */
  checkAtStart?: boolean;
}

const REPORT_EVERY_MS = 60 * 60 * 1000;

export class BlobRefill {
  /** The store, reporting every recorded blob a read finds missing. */
  readonly blobs: Blobs;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<number> | null = null;
  private closed = false;
  /** When each workspace's blobs still missing were last reported. */
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly storage: RelayStorage,
    private readonly store: Blobs,
    private readonly hub: SyncHub,
    private readonly log: FastifyBaseLogger,
    private readonly options: BlobRefillOptions = {},
  ) {
    this.blobs = new NoticingBlobs(store, (workspaceId, hash) => void this.noticeMissing(workspaceId, [hash]).catch(() => undefined));
  }

  start(): void {
    if (this.options.checkAtStart ?? true) {
      this.checking = this.check().catch((err: unknown) => {
        this.log.error({ err: (err as Error).message }, 'could not compare the blob records with the store');
        return 0;
      });
    }
    this.timer = setInterval(() => void this.reask().catch(() => undefined), this.options.reaskMs ?? 60_000);
    this.timer.unref();
  }

  /** The check started with the relay; resolves with the number of blobs it found lost. */
  whenChecked(): Promise<number> {
    return this.checking ?? Promise.resolve(0);
  }

  /** Notes blobs as lost and asks the connected desks of the workspace for them. Recorded blobs only. */
  async noticeMissing(workspaceId: string, hashes: readonly string[]): Promise<string[]> {
    const fresh = await this.storage.markBlobsMissing(workspaceId, hashes, new Date().toISOString());
    if (fresh.length > 0) {
      const desks = this.hub.askForBlobs(workspaceId, fresh);
      this.log.error({ workspace: workspaceId, blobs: fresh.length, desksAsked: desks }, 'recorded blobs are missing from the store; asking the desks to send them again');
    }
    return fresh;
  }

  /** Every workspace: what the records name and the store does not hold is noted as lost. */
  async check(): Promise<number> {
    let lost = 0;
    for (const ws of await this.storage.listWorkspaces()) {
      if (this.closed) break;
      const recorded = await this.storage.recordedBlobs(ws.id);
      if (recorded.length === 0) continue;
      const held = await this.store.list(ws.id);
      const missing = recorded.filter((h) => !held.has(h));
      lost += (await this.noticeMissing(ws.id, missing)).length;
    }
    return lost;
  }

  /**
   * Desks connected here are asked for lost blobs they were not asked for yet on their connection
   * (a loss another process noticed). Blobs still missing after every desk here was asked are
   * reported once an hour per workspace, by hash, so an operator sees what no desk could send.
   */
  async reask(now = Date.now()): Promise<void> {
    const connected = this.hub.connectedWorkspaces();
    for (const ws of await this.storage.workspacesMissingBlobs()) {
      if (!connected.has(ws)) continue;
      const missing = await this.storage.missingBlobs(ws);
      this.hub.blobLacks.keepOnly(ws, missing);
      if (this.hub.askForBlobs(ws, missing, { onlyNew: true }) > 0) continue;
      if (missing.length === 0 || now - (this.reported.get(ws) ?? -Infinity) < REPORT_EVERY_MS) continue;
      this.reported.set(ws, now);
      // Desks that answered "not here" (`blobs-lacking`): a blob every desk lacks is lost for good.
      const saidNotHeld = missing.filter((h) => this.hub.blobLacks.desksLacking(ws, h) > 0).length;
      this.log.error(
        { workspace: ws, blobs: missing.length, saidNotHeld, hashes: missing.slice(0, 20) },
        'recorded blobs are still missing: the desks connected here were asked and did not send them (no desk may have them any more)',
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.checking;
  }
}

/** The store, telling `onMiss` about every read that found nothing. */
class NoticingBlobs implements Blobs {
  constructor(
    private readonly inner: Blobs,
    private readonly onMiss: (workspaceId: string, hash: string) => void,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  get incomingDir() {
    return this.inner.incomingDir;
  }

  async has(workspaceId: string, hash: string): Promise<boolean> {
    const held = await this.inner.has(workspaceId, hash);
    if (!held) this.onMiss(workspaceId, hash);
    return held;
  }

  put(workspaceId: string, expectedHash: string, source: Readable, maxBytes: number): Promise<PutResult> {
    return this.inner.put(workspaceId, expectedHash, source, maxBytes);
  }

  async open(workspaceId: string, hash: string): Promise<{ stream: Readable; sizeBytes: number } | null> {
    const opened = await this.inner.open(workspaceId, hash);
    if (!opened) this.onMiss(workspaceId, hash);
    return opened;
  }

  list(workspaceId: string): Promise<Set<string>> {
    return this.inner.list(workspaceId);
  }

  sweepIncoming(olderThanMs?: number, now?: number): Promise<number> {
    return this.inner.sweepIncoming(olderThanMs, now);
  }
}
