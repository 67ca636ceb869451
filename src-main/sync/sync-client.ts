// The desk's sync client: keeps one WebSocket to the relay, pushes what this desk made,
// applies what other desks made, and survives any disconnection by resuming from its cursors.
// Cursors live in the workspace's meta table, so a crash never loses anything and repeats at
// most a little, and repeats are harmless (applying a change twice changes nothing). The pull
// cursor is written in the same transaction as the page it follows. Neither commit waits for the
// disk: a power cut can only undo a pulled page together with its cursor (it is pulled again),
// or a push cursor (the desk pushes again what the relay holds, and the relay drops it).
//
// Clock: the relay says its time in `welcome` (and when it refuses a push as `clock-ahead`); the
// desk measures its own clock's offset from it, allowing for the round trip, and follows it
// between measurements with the monotonic clock (so a person fixing the date is noticed at once).
// While this PC's clock is more than the bound ahead, its changes stamped beyond the relay's
// "now + bound" stay queued here (earlier ones still go) and the status says so in words. Once the
// clock is right, before pushing (and before an edit made meanwhile is stamped), the desk
// rewrites its unsent stamps that still run ahead
// (WorkspaceStore.restampAhead: back by the offset the relay measured, so they land when they
// were really made), then pushes them: another desk's later edit of the same field then wins
// everywhere, and the relay's log never holds a stamp from the future.
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import type { SyncStatus } from '../../src-shared/domain.js';
import { clockSentence, measureOffset } from '../../src-shared/sync/clock-offset.js';
import { MAX_CLOCK_AHEAD_MS, millisOfStamp } from '../../src-shared/sync/hlc.js';
import {
  bearer,
  CLOSE,
  type ChangesFrame,
  type DeskFrame,
  MAX_SYNC_FRAME_BYTES,
  OPTIONAL_DESK_FRAMES,
  type RelayFrame,
  isKnownRelayFrame,
  relayFrameSchema,
  SYNC_PAGE,
  SYNC_PATH,
} from '../../src-shared/sync/protocol.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { DeviceCredential } from './device.js';

export interface SyncClientOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Ping interval; a connection silent for three of these is treated as dead. */
  heartbeatMs?: number;
  /** This PC's wall clock (tests inject a wrong one); the store's clock must use the same. */
  now?: () => number;
  /** How often the desk looks whether its clock was fixed, while the relay says it is off. */
  clockCheckMs?: number;
}

const PULL_CURSOR = 'sync:pull_cursor';
const PUSH_CURSOR = 'sync:push_cursor';
/** How far ahead the relay last found this PC's clock (ms), kept until its stamps are rewritten. */
const CLOCK_AHEAD = 'sync:clock_ahead_ms';

/** This PC's clock minus the relay's, as last measured, and the wall-minus-monotonic reading then. */
interface ClockReading {
  offsetMs: number;
  wallMinusMono: number;
}

export class SyncClient {
  private socket: WebSocket | null = null;
  private stopped = false;
  private online = false;
  /** Optional desk frames the relay of this connection said it understands (its welcome's `accepts`). */
  private relayAccepts: ReadonlySet<string> = new Set();
  private offlineSince: string | null = new Date().toISOString();
  private lastSyncedAt: string | null = null;
  private problem: string | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastHeard = 0;
  private frames: Promise<void> = Promise.resolve();
  /** The cursors as this process knows them (null until read from meta). */
  private pullCursor: number | null = null;
  private pushCursor: number | null = null;
  private pushing = false;
  private pushAgain = false;
  /** A push round sent everything and this desk has written nothing since: nothing is waiting. */
  private allPushed = false;
  private nextPushId = 1;
  private readonly waitingPushes = new Map<number, (ok: boolean) => void>();
  private readonly listeners = new Set<(status: Omit<SyncStatus, 'filesToSend' | 'filesToFetch' | 'filesLostElsewhere'>) => void>();
  private caughtUp: Array<() => void> = [];
  private caughtUpThisConnection = false;
  private emitting = false;
  private readonly stopWatching: () => void;
  private clockReading: ClockReading | null = null;
  private clockTimer: NodeJS.Timeout | null = null;
  private lastClockSentence: string | null = null;
  /** Monotonic times the hello and the latest push were sent (for the round trip). */
  private helloSentMono = 0;
  private pushSentMono = 0;
  /** Listeners for frames other parts of the desk answer (RO numbers: src-main/repair-orders/ro-numbers.ts). */
  private readonly frameListeners = new Set<(frame: RelayFrame) => Promise<void> | void>();
  private readonly caughtUpListeners = new Set<() => void>();

  constructor(
    private readonly store: WorkspaceStore,
    private readonly device: DeviceCredential,
    /** Every node id this database has written under (it changes after a restore). */
    private readonly ownNodes: () => Promise<string[]>,
    private readonly options: SyncClientOptions = {},
  ) {
    // Only this desk's own writes give it something to push; remote changes never do.
    this.stopWatching = store.onChange((_touched, origin) => {
      if (origin !== 'local') return;
      this.allPushed = false;
      void this.pushPending();
    });
    // An edit made right after the date was fixed (before the next push round) must come after
    // the edits made while the clock was fast: they are re-stamped first.
    store.beforeStampingAhead = () => this.restampIfClockRight();
  }

  start(): void {
    this.stopped = false;
    this.connect();
    this.clockTimer = setInterval(() => this.checkClock(), this.options.clockCheckMs ?? 10_000);
    this.clockTimer.unref();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** This PC's clock minus the relay's, now: the last measurement moved by any jump of the wall clock since. */
  clockOffset(): number | null {
    const r = this.clockReading;
    return r ? r.offsetMs + (this.now() - performance.now() - r.wallMinusMono) : null;
  }

  private async measureClock(relayTime: number, sentMono: number): Promise<void> {
    const offsetMs = measureOffset({ localAtReceipt: this.now(), relayTime, roundTripMs: performance.now() - sentMono });
    this.clockReading = { offsetMs, wallMinusMono: this.now() - performance.now() };
    // Kept for the rewrite of this desk's stamps once the clock is fixed, across restarts too.
    if (offsetMs > MAX_CLOCK_AHEAD_MS) await this.store.writeMeta({ [CLOCK_AHEAD]: String(offsetMs) });
    this.lastClockSentence = clockSentence(offsetMs);
    this.emit();
  }

  /** Notices the clock being fixed (or going wrong) between measurements; a fixed clock pushes what waited. */
  private checkClock(): void {
    const offset = this.clockOffset();
    if (offset === null) return;
    const sentence = clockSentence(offset);
    if (sentence === this.lastClockSentence) return;
    this.lastClockSentence = sentence;
    this.emit();
    if (offset <= MAX_CLOCK_AHEAD_MS) void this.restampIfClockRight().then(() => this.pushPending(), () => undefined);
  }

  /**
   * With the clock right again (within the bound of the relay's, as last measured and followed
   * since), rewrites this desk's unsent stamps that still run ahead: back by the offset the relay
   * measured (`restampAhead`). Not while a push round is under way (it does this itself first).
   */
  private async restampIfClockRight(): Promise<void> {
    const offset = this.clockOffset();
    if (offset === null || Math.abs(offset) > MAX_CLOCK_AHEAD_MS || this.pushing) return;
    await this.restampOwnAhead(await this.readPushCursor());
  }

  /** Rewrites this desk's stamps after `afterSeq` that run ahead, back by the offset the relay measured (kept in meta). */
  private async restampOwnAhead(afterSeq: number): Promise<void> {
    const recorded = Number((await this.store.db.selectFrom('meta').select('value').where('key', '=', CLOCK_AHEAD).executeTakeFirst())?.value ?? 0);
    await this.store.restampAhead({ afterSeq, nodes: await this.ownNodes(), offsetMs: recorded });
    await this.store.db.deleteFrom('meta').where('key', '=', CLOCK_AHEAD).execute();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatching();
    if (this.clockTimer) clearInterval(this.clockTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'desk closing');
        setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1000).unref();
      });
    }
    await this.frames.catch(() => undefined);
  }

  /** Resolves once everything the relay had when this connection opened has been applied here. */
  whenCaughtUp(timeoutMs = 60_000): Promise<void> {
    if (this.online && this.caughtUpThisConnection) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The relay did not answer in time.')), timeoutMs);
      this.caughtUp.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Hears `numbers`, `blobs-wanted` and `error` frames, in arrival order (the next frame waits for the listener). */
  onRelayFrame(listener: (frame: RelayFrame) => Promise<void> | void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Called each time the desk has applied everything the relay had (after every last page). */
  onCaughtUp(listener: () => void): () => void {
    this.caughtUpListeners.add(listener);
    return () => this.caughtUpListeners.delete(listener);
  }

  /**
   * Sends a frame now if the relay has welcomed this connection; false when offline, or when the
   * frame is an optional one this relay did not say it understands.
   */
  sendFrame(frame: DeskFrame): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.online) return false;
    if ((OPTIONAL_DESK_FRAMES as readonly string[]).includes(frame.t) && !this.relayAccepts.has(frame.t)) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  onStatus(listener: (status: Omit<SyncStatus, 'filesToSend' | 'filesToFetch' | 'filesLostElsewhere'>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async status(): Promise<Omit<SyncStatus, 'filesToSend' | 'filesToFetch' | 'filesLostElsewhere'>> {
    const pushCursor = await this.readPushCursor();
    const nodes = this.allPushed ? [] : await this.ownNodes();
    return {
      paired: true,
      relayUrl: this.device.relayUrl,
      workspace: this.device.workspace.slug,
      online: this.online,
      offlineSince: this.online ? null : this.offlineSince,
      changesWaiting: this.allPushed ? 0 : await this.store.countSince(pushCursor, nodes),
      actionsWaiting: this.allPushed ? 0 : await this.store.actionsSince(pushCursor, nodes),
      lastSyncedAt: this.lastSyncedAt,
      problem: this.problem,
      clock: this.clockReading ? clockSentence(this.clockOffset()!) : null,
    };
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(SYNC_PATH, this.device.relayUrl.replace(/^http/, 'ws'));
    const socket = new WebSocket(url, {
      headers: { Authorization: bearer(this.device.deviceId, this.device.secret) },
      maxPayload: MAX_SYNC_FRAME_BYTES,
      handshakeTimeout: 10_000,
    });
    this.socket = socket;
    socket.on('open', () => {
      this.lastHeard = Date.now();
      void this.readCursor(PULL_CURSOR).then((cursor) => {
        this.pullCursor = cursor;
        this.helloSentMono = performance.now();
        socket.send(JSON.stringify({ t: 'hello', node: this.store.nodeId, cursor }));
      });
      this.startHeartbeat(socket);
    });
    socket.on('message', (data, isBinary) => {
      this.lastHeard = Date.now();
      this.frames = this.frames
        .then(() => this.onFrame(socket, data.toString(), isBinary))
        .catch((err: unknown) => {
          this.problem = `Sync stopped on an error: ${(err as Error).message}`;
          socket.terminate();
        });
    });
    socket.on('pong', () => (this.lastHeard = Date.now()));
    socket.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401 || res.statusCode === 403) {
        this.problem =
          res.statusCode === 403
            ? 'This desk was disconnected from the shop by the operator. Pair it again to sync.'
            : 'The relay does not know this desk any more. Pair it again to sync.';
        this.stopped = true;
      }
      socket.terminate();
    });
    socket.on('error', () => {
      // 'close' follows and schedules the reconnect; the error itself says nothing a person needs.
    });
    socket.on('close', (code) => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      for (const resolve of this.waitingPushes.values()) resolve(false);
      this.waitingPushes.clear();
      if (this.socket === socket) this.socket = null;
      if (code === CLOSE.revoked || code === CLOSE.unauthorized) {
        this.problem = 'This desk was disconnected from the shop by the operator. Pair it again to sync.';
        this.stopped = true;
      }
      this.setOnline(false);
      this.scheduleReconnect();
    });
  }

  private startHeartbeat(socket: WebSocket): void {
    const every = this.options.heartbeatMs ?? 15_000;
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastHeard > every * 3) {
        socket.terminate();
        return;
      }
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    }, every);
    this.heartbeat.unref();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private async onFrame(socket: WebSocket, text: string, isBinary: boolean): Promise<void> {
    if (isBinary) throw new Error('the relay sent binary data');
    const raw: unknown = JSON.parse(text);
    // A frame type from a newer relay that this desk does not know is skipped, not fatal.
    if (!isKnownRelayFrame(raw)) return;
    const parsed = relayFrameSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`the relay sent a frame this desk does not understand`);
    const frame = parsed.data as RelayFrame;
    switch (frame.t) {
      case 'welcome':
        this.relayAccepts = new Set(frame.accepts ?? []);
        this.attempt = 0;
        this.problem = null;
        if (frame.time !== undefined) await this.measureClock(frame.time, this.helloSentMono);
        this.setOnline(true);
        void this.pushPending();
        return;
      case 'changes':
        await this.applyPage(socket, frame);
        return;
      case 'pushed':
        this.waitingPushes.get(frame.id)?.(true);
        this.waitingPushes.delete(frame.id);
        return;
      case 'error':
        if (frame.code === 'clock-ahead') {
          // The push was refused whole and the session stays open: the changes wait here.
          if (frame.time !== undefined) await this.measureClock(frame.time, this.pushSentMono);
          if (!this.clockReading) this.problem = frame.message;
          for (const resolve of this.waitingPushes.values()) resolve(false);
          this.waitingPushes.clear();
          return;
        }
        this.problem = frame.message;
        for (const listener of this.frameListeners) await listener(frame);
        return;
      case 'numbers':
      case 'blobs-wanted':
        for (const listener of this.frameListeners) await listener(frame);
        return;
    }
  }

  private async applyPage(socket: WebSocket, frame: ChangesFrame): Promise<void> {
    // The cursor moves in the same transaction as the changes, so no crash can separate them;
    // and since a power cut could only undo both, to be pulled again, the commit need not wait
    // for the disk (the relay holds these changes durably).
    if (frame.changes.length > 0 || frame.cursor !== this.pullCursor) {
      await this.store.applyRemote(frame.changes, { meta: { [PULL_CURSOR]: String(frame.cursor) }, durable: false, morePages: frame.more });
      this.pullCursor = frame.cursor;
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ t: 'ack', cursor: frame.cursor }));
    if (!frame.more) {
      this.lastSyncedAt = new Date().toISOString();
      this.caughtUpThisConnection = true;
      for (const resolve of this.caughtUp.splice(0)) resolve();
      for (const listener of this.caughtUpListeners) listener();
      this.emit();
    }
  }

  /** Sends this desk's unsent changes, a page at a time, each confirmed before the cursor moves. */
  private async pushPending(): Promise<void> {
    if (this.pushing) {
      this.pushAgain = true;
      return;
    }
    this.pushing = true;
    try {
      do {
        this.pushAgain = false;
        for (;;) {
          const socket = this.socket;
          if (!socket || socket.readyState !== WebSocket.OPEN || !this.online) return;
          const cursor = await this.readPushCursor();
          let page = await this.store.changesSince(cursor, { limit: SYNC_PAGE, onlyNodes: await this.ownNodes() });
          if (page.changes.length === 0) {
            if (page.cursor > cursor) await this.movePushCursor(page.cursor);
            break;
          }
          page = await this.holdBackAhead(cursor, page);
          if (page.changes.length === 0) return; // everything left waits for this PC's clock
          const id = this.nextPushId++;
          const confirmed = new Promise<boolean>((resolve) => this.waitingPushes.set(id, resolve));
          this.pushSentMono = performance.now();
          socket.send(JSON.stringify({ t: 'push', id, changes: page.changes.map(({ seq: _seq, ...c }) => c) }));
          if (!(await confirmed)) return;
          await this.movePushCursor(page.cursor);
          this.lastSyncedAt = new Date().toISOString();
          // A short page was all there was; a write since then has asked for another round.
          if (!page.more) break;
        }
      } while (this.pushAgain);
      this.allPushed = true;
    } finally {
      this.pushing = false;
      this.emit();
    }
  }

  /**
   * Before a page goes out: with the clock right again (within the bound of the relay's), this
   * desk's unsent stamps that still run ahead are rewritten first and the page read again; with
   * the clock still ahead, the page stops before the first change stamped past the relay's
   * "now + bound" (the relay would refuse the whole page), so earlier changes still go.
   */
  private async holdBackAhead(
    cursor: number,
    page: Awaited<ReturnType<WorkspaceStore['changesSince']>>,
  ): Promise<Awaited<ReturnType<WorkspaceStore['changesSince']>>> {
    const offset = this.clockOffset();
    if (offset === null) return page; // a relay that does not say its time: it still refuses what runs ahead
    if (Math.abs(offset) <= MAX_CLOCK_AHEAD_MS) {
      if (!page.changes.some((c) => this.store.clock.isAhead(c.stamp))) return page;
      await this.restampOwnAhead(cursor);
      return this.store.changesSince(cursor, { limit: SYNC_PAGE, onlyNodes: await this.ownNodes() });
    }
    // Off either way: what is stamped past the relay's "now + bound" waits (behind, that is only
    // what was stamped while the clock was fast; the rest goes).
    const relayLimit = this.now() - offset + MAX_CLOCK_AHEAD_MS;
    const first = page.changes.findIndex((c) => millisOfStamp(c.stamp) > relayLimit);
    if (first === -1) return page;
    if (first === 0) return { changes: [], cursor, more: false };
    // `more`: the round goes on, to stop at the held-back change (nothing is "all pushed").
    return { changes: page.changes.slice(0, first), cursor: page.changes[first - 1]!.seq, more: true };
  }

  private setOnline(online: boolean): void {
    if (this.online === online) return;
    if (!online) this.caughtUpThisConnection = false;
    this.online = online;
    if (!online) this.offlineSince = new Date().toISOString();
    this.emit();
  }

  /** Tells listeners the status, once for everything that happened in this turn of the event loop. */
  private emit(): void {
    if (this.listeners.size === 0 || this.emitting) return;
    this.emitting = true;
    setImmediate(() => {
      this.emitting = false;
      void this.status().then(
        (s) => {
          for (const l of this.listeners) l(s);
        },
        () => undefined,
      );
    });
  }

  private async readPushCursor(): Promise<number> {
    if (this.pushCursor === null) {
      const stored = await this.readCursor(PUSH_CURSOR);
      // A push confirmed while the read was under way is newer than what it found.
      this.pushCursor ??= stored;
    }
    return this.pushCursor;
  }

  /** The relay holds everything up to `cursor`. */
  private async movePushCursor(cursor: number): Promise<void> {
    this.pushCursor = cursor;
    await this.store.writeMeta({ [PUSH_CURSOR]: String(cursor) }, { durable: false });
  }

  private async readCursor(key: string): Promise<number> {
    const row = await this.store.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row ? Number(row.value) : 0;
  }
}
