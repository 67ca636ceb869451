// The portal's state inside one relay process: which tokens are live (cached, dropped whenever
// the workspace's data changes), the rendered page per token, the phones listening for live
// updates, and view counts gathered in memory and written to the workspace every few seconds.
// Every relay process keeps its own; they agree through the shared storage and its
// change announcements (NOTIFY on PostgreSQL). A page also goes stale with no change at all when
// the promised day ends in the shop's zone ("Expected ready" turns into "the date has passed"): a
// cached page carries that instant, and open pages are told when it comes.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type { FastifyBaseLogger } from 'fastify';
import { hashToken, type PortalSource, type TokenKind, tokenWorkspace } from '../../src-shared/portal/token.js';
import type { WorkspaceStore, WriteIntent, WriteTx } from '../../src-shared/sync/store.js';
import type { RelayStorage } from '../storage/types.js';
import { findLiveToken, loadPortalView, type PortalView, type TokenHit, viewStaleAt } from './portal-view.js';
import { renderStatusPage } from './render.js';
import { type CustomerLanguage, customerWords } from '../../src-shared/i18n/index.js';

export interface ResolvedToken extends TokenHit {
  workspaceId: string;
  /** SHA-256 of the token (hex), computed once per lookup. */
  tokenHash: string;
  store: WorkspaceStore;
}

export interface CachedPage {
  version: string;
  body: Buffer;
  gzip: Buffer;
  csp: string;
}

interface LiveListener {
  workspaceId: string;
  tokenHash: string;
  token: string;
  kind: TokenKind;
  roId: string;
  version: string;
  send(event: string, data: string): void;
  end(): void;
}

export interface PortalServiceOptions {
  /** How often gathered view counts are written (default 5 s). */
  countFlushMs?: number;
  /** How long a burst of changes is gathered before listeners are told (default 50 ms). */
  liveDebounceMs?: number;
  /** The clock pages are drawn by (whether a promised day has passed); tests set their own. */
  clock?: () => Date;
}

/** The longest a day-rollover timer waits before it looks at the clock again. */
const MAX_WAKE_MS = 6 * 3600_000;

const MAX_CACHED = 5000;

/**
 * SHA-256 of recently seen tokens: a phone reloading its page should not hash its link again on
 * every request. Bounded like the other caches; an entry holds nothing the request did not carry.
 */
const tokenHashes = new Map<string, string>();

export function cachedTokenHash(token: string): string {
  let hash = tokenHashes.get(token);
  if (hash === undefined) {
    if (tokenHashes.size >= MAX_CACHED) tokenHashes.clear();
    hash = hashToken(token);
    tokenHashes.set(token, hash);
  }
  return hash;
}

export function viewVersion(view: PortalView): string {
  return createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 16);
}

export class PortalService {
  private readonly tokens = new Map<string, { hit: ResolvedToken | null; generation: number }>();
  private readonly pages = new Map<string, CachedPage & { generation: number; workspaceId: string; staleAt: number }>();
  /** Per workspace, the next moment a page it showed goes stale by the clock alone, and its timer. */
  private readonly wakes = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly now: () => Date;
  private readonly nowMs: () => number;
  /** Lookups and renders under way, so that a burst of requests after a change shares one. */
  private readonly resolving = new Map<string, { generation: number; promise: Promise<ResolvedToken | null> }>();
  private readonly rendering = new Map<string, { generation: number; promise: Promise<CachedPage | null> }>();
  private readonly generations = new Map<string, number>();
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private readonly pendingLive = new Map<string, NodeJS.Timeout>();
  private counts = new Map<string, Map<string, { roId: string; source: PortalSource; views: number; last: number }>>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly stopListening: () => void;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: PortalServiceOptions = {},
  ) {
    const clock = options.clock;
    this.now = clock ?? (() => new Date());
    this.nowMs = clock ? () => clock().getTime() : Date.now;
    this.stopListening = storage.onChangesAnnounced((workspaceId) => this.changed(workspaceId));
    this.flushTimer = setInterval(() => void this.flushCounts(), options.countFlushMs ?? 5000);
    this.flushTimer.unref();
  }

  private hasBlob(workspaceId: string): (hash: string) => Promise<boolean> {
    return async (hash) => (await this.storage.findBlob(workspaceId, hash)) !== null;
  }

  private generation(workspaceId: string): number {
    return this.generations.get(workspaceId) ?? 0;
  }

  /** The workspace's data changed (here or in another relay process): forget what was derived from it. */
  changed(workspaceId: string): void {
    this.generations.set(workspaceId, this.generation(workspaceId) + 1);
    for (const [key, entry] of this.tokens) if (entry.hit === null || entry.hit.workspaceId === workspaceId) this.tokens.delete(key);
    for (const [key, page] of this.pages) if (page.workspaceId === workspaceId) this.pages.delete(key);
    if (this.listeners.has(workspaceId) && !this.pendingLive.has(workspaceId)) {
      const timer = setTimeout(() => {
        this.pendingLive.delete(workspaceId);
        void this.tellListeners(workspaceId);
      }, this.options.liveDebounceMs ?? 50);
      this.pendingLive.set(workspaceId, timer);
    }
  }

  /** The live token behind a link, or null for anything else (unknown, revoked, expired, wrong kind). */
  async resolve(token: string, kind: TokenKind): Promise<ResolvedToken | null> {
    const workspaceId = tokenWorkspace(token);
    if (!workspaceId) return null;
    const tokenHash = cachedTokenHash(token);
    const key = `${kind}:${tokenHash}`;
    const cached = this.tokens.get(key);
    const now = Date.now();
    if (cached && cached.generation === this.generation(workspaceId)) {
      return cached.hit && cached.hit.validUntil > now ? cached.hit : null;
    }
    const generation = this.generation(workspaceId);
    const pending = this.resolving.get(key);
    if (pending && pending.generation === generation) {
      const hit = await pending.promise;
      return hit && hit.validUntil > now ? hit : null;
    }
    const promise = this.lookup(workspaceId, token, tokenHash, kind, now);
    this.resolving.set(key, { generation, promise });
    try {
      const hit = await promise;
      if (generation === this.generation(workspaceId)) {
        if (this.tokens.size >= MAX_CACHED) this.tokens.clear();
        this.tokens.set(key, { hit, generation });
      }
      return hit;
    } finally {
      if (this.resolving.get(key)?.promise === promise) this.resolving.delete(key);
    }
  }

  private async lookup(workspaceId: string, token: string, tokenHash: string, kind: TokenKind, now: number): Promise<ResolvedToken | null> {
    const workspace = await this.storage.findWorkspace(workspaceId);
    if (!workspace || workspace.id !== workspaceId) return null;
    const store = await this.storage.workspaceStore(workspaceId);
    const hit = await findLiveToken(store.db, token, kind, now);
    return hit ? { ...hit, workspaceId, store, tokenHash } : null;
  }

  /** The status page for a live customer token, rendered once per change of what it shows. */
  async statusPage(token: string, resolved: ResolvedToken, language: CustomerLanguage | null = null): Promise<CachedPage | null> {
    // A language chosen on this phone (its cookie) is a page of its own until the choice syncs.
    const key = language ? `${resolved.tokenHash}|${language}` : resolved.tokenHash;
    const generation = this.generation(resolved.workspaceId);
    const cached = this.pages.get(key);
    if (cached && cached.generation === generation && this.nowMs() < cached.staleAt) return cached;
    const pending = this.rendering.get(key);
    if (pending && pending.generation === generation) return pending.promise;
    const promise = this.render(token, key, generation, resolved, language);
    this.rendering.set(key, { generation, promise });
    try {
      return await promise;
    } finally {
      if (this.rendering.get(key)?.promise === promise) this.rendering.delete(key);
    }
  }

  private async render(token: string, key: string, generation: number, resolved: ResolvedToken, language: CustomerLanguage | null): Promise<CachedPage | null> {
    const view = await loadPortalView(resolved.store.db, resolved.roId, this.hasBlob(resolved.workspaceId), this.now());
    if (!view) return null;
    const version = viewVersion(view);
    const words = customerWords(view.country, language ?? view.language);
    const rendered = renderStatusPage(view, { token, version, words, languages: view.languages });
    const body = Buffer.from(rendered.body);
    const staleAt = viewStaleAt(view);
    this.wakeAt(resolved.workspaceId, staleAt);
    const page = { version, body, gzip: zlib.gzipSync(body, { level: 6 }), csp: rendered.csp, generation, workspaceId: resolved.workspaceId, staleAt };
    if (generation === this.generation(resolved.workspaceId)) {
      if (this.pages.size >= MAX_CACHED) this.pages.clear();
      this.pages.set(key, page);
    }
    return page;
  }

  async version(resolved: ResolvedToken): Promise<string | null> {
    const view = await loadPortalView(resolved.store.db, resolved.roId, this.hasBlob(resolved.workspaceId), this.now());
    if (!view) return null;
    this.wakeAt(resolved.workspaceId, viewStaleAt(view));
    return viewVersion(view);
  }

  /**
   * At `at` (ms, by this service's clock) the workspace's pages are treated as changed: cached
   * pages are drawn again and open pages fetch themselves, so "Expected ready" for a day that just
   * ended turns into "the date has passed" on a phone left open overnight. One timer per workspace,
   * for its earliest such moment; long waits look at the clock again every few hours.
   */
  private wakeAt(workspaceId: string, at: number): void {
    if (!Number.isFinite(at) || this.closed) return;
    const existing = this.wakes.get(workspaceId);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const wait = Math.min(Math.max(at - this.now().getTime(), 0) + 20, MAX_WAKE_MS);
    const timer = setTimeout(() => {
      if (this.wakes.get(workspaceId)?.timer !== timer) return;
      this.wakes.delete(workspaceId);
      if (this.now().getTime() >= at) this.changed(workspaceId);
      else this.wakeAt(workspaceId, at);
    }, wait);
    timer.unref();
    this.wakes.set(workspaceId, { at, timer });
  }

  /** A write made by the relay itself (a customer's message, a bay photo), then every desk and page hears of it. */
  async write<T>(workspaceId: string, intent: WriteIntent, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const store = await this.storage.workspaceStore(workspaceId);
    const result = await store.write(intent, fn);
    await this.storage.announceChanges(workspaceId);
    return result;
  }

  // ---- live updates ------------------------------------------------------------------------

  listen(listener: LiveListener): () => void {
    let set = this.listeners.get(listener.workspaceId);
    if (!set) {
      set = new Set();
      this.listeners.set(listener.workspaceId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(listener.workspaceId);
    };
  }

  get listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private async tellListeners(workspaceId: string): Promise<void> {
    const set = this.listeners.get(workspaceId);
    if (!set || this.closed) return;
    const versions = new Map<string, string | null>();
    for (const listener of [...set]) {
      try {
        const live = await this.resolve(listener.token, listener.kind);
        if (!live) {
          listener.send('gone', '');
          listener.end();
          continue;
        }
        if (!versions.has(listener.roId)) versions.set(listener.roId, await this.version(live));
        const version = versions.get(listener.roId);
        if (version && version !== listener.version) {
          listener.version = version;
          listener.send('changed', version);
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'could not update a live portal page');
      }
    }
  }

  // ---- view counts ---------------------------------------------------------------------------

  countView(workspaceId: string, roId: string, source: PortalSource): void {
    let ws = this.counts.get(workspaceId);
    if (!ws) {
      ws = new Map();
      this.counts.set(workspaceId, ws);
    }
    const key = `${roId}:${source}`;
    let entry = ws.get(key);
    if (!entry) {
      entry = { roId, source, views: 0, last: 0 };
      ws.set(key, entry);
    }
    entry.views += 1;
    entry.last = Date.now();
  }

  /** Writes the gathered counts, one write per workspace; on failure they are kept for the next try. */
  flushCounts(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const pending = this.counts;
      if (pending.size === 0) return;
      this.counts = new Map();
      for (const [workspaceId, entries] of pending) {
        try {
          await this.write(workspaceId, { actor: 'relay', action: 'portal-view', audit: false }, async (tx) => {
            for (const [id, e] of entries) {
              const row = await tx.get('portal_counts', id);
              if (row) await tx.update('portal_counts', id, { views: (row.views ?? 0) + e.views, last_at: new Date(e.last).toISOString() });
              else await tx.insert('portal_counts', { id, ro_id: e.roId, source: e.source, views: e.views, last_at: new Date(e.last).toISOString() });
            }
          });
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'could not record portal views; keeping them for the next try');
          for (const [key, e] of entries) {
            let ws = this.counts.get(workspaceId);
            if (!ws) {
              ws = new Map();
              this.counts.set(workspaceId, ws);
            }
            const now = ws.get(key);
            if (now) now.views += e.views;
            else ws.set(key, e);
          }
        }
      }
    });
    return this.flushing;
  }

  /** Ends every open event stream (the pages reconnect to another relay or when this one is back). */
  endLive(): void {
    for (const wake of this.wakes.values()) clearTimeout(wake.timer);
    this.wakes.clear();
    for (const timer of this.pendingLive.values()) clearTimeout(timer);
    this.pendingLive.clear();
    for (const set of this.listeners.values()) for (const l of set) l.end();
    this.listeners.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.flushTimer);
    this.stopListening();
    this.endLive();
    await this.flushCounts();
  }
}
