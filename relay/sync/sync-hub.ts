// The relay's side of the sync protocol: one session per connected desk. Pushed changes go
// through the workspace's mutation layer; the log after the desk's cursor streams back in pages,
// each acknowledged by the desk. While a desk catches up (the last page was full), two pages may
// wait for their acknowledgement, so the desk applies one while the next is read and sent;
// otherwise one. New changes wake every session of that workspace (on any relay process sharing
// the storage); in the process that logged them, a session that has read all before them is
// sent them as they are, without reading the log back.
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { LoggedChange } from '../../src-shared/sync/change.js';
import { nodeOfStamp } from '../../src-shared/sync/hlc.js';
import { CLOSE, type DeskFrame, deskFrameSchema, MAX_BLOBS_WANTED, OPTIONAL_DESK_FRAMES, type RelayFrame, SYNC_PAGE } from '../../src-shared/sync/protocol.js';
import { ClockAheadError, type WorkspaceStore } from '../../src-shared/sync/store.js';
import type { DeviceRecord, RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { shopNumberFloor } from '../storage/ro-number-blocks.js';

/** Stores whose stamps beyond the clock bound were already reported in the log. */
const reportedAhead = new WeakSet<WorkspaceStore>();

/** Pages sent and not yet acknowledged, per session, while the desk catches up. */
const CATCH_UP_PAGES_IN_FLIGHT = 2;

export interface SyncHubOptions {
  /** How often the hub re-reads the devices of its sessions (one query for all), so a revocation made by the admin CLI takes effect. */
  deviceCheckMs?: number;
}

/**
 * Which desks said they do not hold a lost blob (`blobs-lacking`), per workspace and hash, for the
 * life of this process: such a desk is not asked for it again when it reconnects. Only hashes the
 * desk was asked for are noted, so a desk cannot grow this beyond the workspace's lost blobs.
 */
export class BlobLacks {
  private readonly byWorkspace = new Map<string, Map<string, Set<string>>>();

  note(workspaceId: string, deviceId: string, hashes: Iterable<string>): void {
    let lost = this.byWorkspace.get(workspaceId);
    if (!lost) this.byWorkspace.set(workspaceId, (lost = new Map()));
    for (const hash of hashes) {
      let devices = lost.get(hash);
      if (!devices) lost.set(hash, (devices = new Set()));
      devices.add(deviceId);
    }
  }

  lacks(workspaceId: string, deviceId: string, hash: string): boolean {
    return this.byWorkspace.get(workspaceId)?.get(hash)?.has(deviceId) ?? false;
  }

  /** How many desks said they lack each of these hashes (0 when none answered). */
  desksLacking(workspaceId: string, hash: string): number {
    return this.byWorkspace.get(workspaceId)?.get(hash)?.size ?? 0;
  }

  /** Forgets hashes no longer lost (uploaded again): keeps the map to what is still missing. */
  keepOnly(workspaceId: string, stillMissing: readonly string[]): void {
    const lost = this.byWorkspace.get(workspaceId);
    if (!lost) return;
    const keep = new Set(stillMissing);
    for (const hash of lost.keys()) if (!keep.has(hash)) lost.delete(hash);
    if (lost.size === 0) this.byWorkspace.delete(workspaceId);
  }
}

export class SyncHub {
  private readonly sessions = new Set<DeskSession>();
  /** Lost blobs that desks said they do not have either. */
  readonly blobLacks = new BlobLacks();
  private readonly stopListening: () => void;
  private readonly deviceTimer: NodeJS.Timeout;
  private checkingDevices = false;
  /** Set only while a push is being announced: the workspace and the changes the push logged. */
  private pushed: { workspaceId: string; fresh: readonly LoggedChange[] } | null = null;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: SyncHubOptions = {},
  ) {
    // One read of every connected desk's device per round (a thousand desks: one query, not a thousand).
    this.deviceTimer = setInterval(() => void this.checkDevices(), options.deviceCheckMs ?? 10_000);
    this.deviceTimer.unref();
    this.stopListening = storage.onChangesAnnounced((workspaceId) => {
      const pushed = this.pushed?.workspaceId === workspaceId ? this.pushed : null;
      this.pushed = null;
      for (const s of this.sessions) {
        // The session that pushed takes them too: it sends nothing of its desk's own changes,
        // only steps past them, so it can take the next desk's changes as they come.
        if (s.workspace.id === workspaceId && !(pushed && s.offer(pushed.fresh))) s.wake();
      }
    });
  }

  /**
   * Announces changes a session's push logged. This process's listeners run at once, inside
   * announceChanges (both engines wake local listeners before anything else); only that call
   * can hand them the changes. Any later notice is a plain wake.
   */
  private async announcePush(workspaceId: string, fresh: readonly LoggedChange[]): Promise<void> {
    this.pushed = { workspaceId, fresh };
    let announced: Promise<void>;
    try {
      announced = this.storage.announceChanges(workspaceId);
    } finally {
      this.pushed = null;
    }
    await announced;
  }

  /** Starts serving an authenticated desk. Must be called synchronously in the upgrade handler. */
  attach(socket: WebSocket, device: DeviceRecord, workspace: WorkspaceRecord): void {
    const session = new DeskSession(
      socket,
      device,
      workspace,
      this.storage,
      this.log,
      (fresh) => this.announcePush(workspace.id, fresh),
      this.blobLacks,
    );
    this.sessions.add(session);
    socket.once('close', () => {
      session.dispose();
      this.sessions.delete(session);
    });
  }

  /** Closes the sessions whose device was revoked or removed (by any process, or the admin CLI). */
  private async checkDevices(): Promise<void> {
    if (this.checkingDevices || this.sessions.size === 0) return;
    this.checkingDevices = true;
    try {
      const sessions = [...this.sessions];
      const live = await this.storage.liveDevices(sessions.map((s) => s.device.id));
      for (const s of sessions) if (!live.has(s.device.id)) s.close(CLOSE.revoked, 'This desk was disconnected from the shop.');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'device check failed');
    } finally {
      this.checkingDevices = false;
    }
  }

  /** Disconnects every session of a device at once (used right after a revocation in this process). */
  disconnectDevice(deviceId: string): void {
    for (const s of this.sessions) if (s.device.id === deviceId) s.close(CLOSE.revoked, 'This desk was disconnected from the shop.');
  }

  get connectedCount(): number {
    return this.sessions.size;
  }

  /** Workspaces with a desk connected to this process. */
  connectedWorkspaces(): Set<string> {
    return new Set([...this.sessions].map((s) => s.workspace.id));
  }

  /**
   * Asks the desks of a workspace connected to this process to upload these blobs again (the store
   * lost them). With `onlyNew`, a desk is asked only for hashes it was not asked for on this
   * connection (the periodic asking again: a blob no desk has is not asked for every minute).
   */
  askForBlobs(workspaceId: string, hashes: readonly string[], options: { onlyNew?: boolean } = {}): number {
    let asked = 0;
    for (const s of this.sessions) if (s.workspace.id === workspaceId && s.askForBlobs(hashes, options.onlyNew ?? false)) asked += 1;
    return asked;
  }

  close(): void {
    clearInterval(this.deviceTimer);
    this.stopListening();
    for (const s of this.sessions) s.close(CLOSE.shuttingDown, 'The relay is restarting.');
  }
}

class DeskSession {
  private deskNode: string | null = null;
  /** The log position the next page starts after: sent, or stepped past (only the desk's own changes). */
  private sent = 0;
  /** Cursors of the pages sent and not yet acknowledged, oldest first. */
  private unacked: number[] = [];
  /** The last page sent was full: more was waiting in the log. */
  private catchingUp = false;
  private pumping = false;
  private dirty = false;
  private closed = false;
  /** The first page after hello goes out even when empty: it tells the desk it is caught up. */
  private greeted = false;
  private frames: Promise<void> = Promise.resolve();
  private readonly store: Promise<WorkspaceStore>;
  /** Lost blobs this desk was asked for on this connection. */
  private readonly blobsAsked = new Set<string>();

  constructor(
    private readonly socket: WebSocket,
    readonly device: DeviceRecord,
    readonly workspace: WorkspaceRecord,
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    /** Tells every session of the workspace (in every process) about changes this desk's push logged. */
    private readonly announcePush: (fresh: readonly LoggedChange[]) => Promise<void>,
    private readonly blobLacks: BlobLacks,
  ) {
    this.store = storage.workspaceStore(workspace.id);
    this.store.catch(() => undefined);
    // Frames are handled strictly in arrival order; a listener is attached before any await.
    socket.on('message', (data, isBinary) => {
      this.frames = this.frames.then(() => this.onFrame(data, isBinary)).catch((err: unknown) => this.fail(err));
    });
    socket.on('error', (err) => this.log.warn({ err: err.message, device: device.id }, 'sync connection error'));
  }

  wake(): void {
    void this.pump();
  }

  /**
   * Sends changes a push just logged as the next page (less this desk's own), if they are exactly
   * what the log holds after this session's position: it has read everything before them, has no
   * page out and no read under way or due, and their sequence numbers follow on without a gap.
   * Otherwise (false) the session reads the log as usual.
   */
  offer(fresh: readonly LoggedChange[]): boolean {
    if (this.deskNode === null || this.closed || !this.greeted || this.pumping || this.dirty || this.unacked.length > 0) return false;
    if (fresh.length === 0 || fresh.length > SYNC_PAGE || fresh.some((c, i) => c.seq !== this.sent + 1 + i)) return false;
    const deskNode = this.deskNode;
    const changes = fresh.filter((c) => nodeOfStamp(c.stamp) !== deskNode).map(({ seq: _seq, ...c }) => c);
    this.sent = fresh[fresh.length - 1]!.seq;
    if (changes.length === 0) return true;
    this.send({ t: 'changes', changes, cursor: this.sent, more: false });
    this.unacked.push(this.sent);
    this.catchingUp = false;
    return true;
  }

  /** False before hello (the desk is asked then, from the records), once closed, or when there was nothing (new) to ask. */
  askForBlobs(hashes: readonly string[], onlyNew = false): boolean {
    if (this.deskNode === null || this.closed) return false;
    const ask = hashes.filter((h) => !(onlyNew && this.blobsAsked.has(h)) && !this.blobLacks.lacks(this.workspace.id, this.device.id, h));
    if (ask.length === 0) return false;
    for (const h of ask) this.blobsAsked.add(h);
    for (let i = 0; i < ask.length; i += MAX_BLOBS_WANTED) this.send({ t: 'blobs-wanted', hashes: ask.slice(i, i + MAX_BLOBS_WANTED) });
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, closeReason(reason));
  }

  dispose(): void {
    this.closed = true;
  }

  private send(frame: RelayFrame): void {
    if (!this.closed) this.socket.send(JSON.stringify(frame));
  }

  private refuse(code: number, errorCode: string, message: string): void {
    // The message may quote the desk's frame (an unknown key): keep it short, as desks expect.
    const text = message.length > 300 ? `${message.slice(0, 299)}…` : message;
    this.send({ t: 'error', code: errorCode, message: text });
    this.close(code, text);
  }

  private async onFrame(data: RawData, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    if (isBinary) return this.refuse(CLOSE.invalidFrame, 'invalid-frame', 'Sync frames are JSON text.');
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return this.refuse(CLOSE.invalidFrame, 'invalid-frame', 'The frame is not JSON.');
    }
    const parsed = deskFrameSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return this.refuse(CLOSE.invalidFrame, 'invalid-frame', `Frame refused: ${issue.path.join('.') || 'frame'} ${issue.message}`);
    }
    const frame: DeskFrame = parsed.data;
    if (frame.t !== 'hello' && this.deskNode === null) {
      return this.refuse(CLOSE.protocol, 'hello-first', 'The first frame must be hello.');
    }
    switch (frame.t) {
      case 'hello': {
        if (this.deskNode !== null) return this.refuse(CLOSE.protocol, 'hello-twice', 'hello was already sent.');
        this.deskNode = frame.node;
        this.sent = frame.cursor;
        const store = await this.store;
        this.send({
          t: 'welcome',
          workspace: { id: this.workspace.id, slug: this.workspace.slug, name: this.workspace.name },
          relayNode: store.nodeId,
          time: store.clock.now(),
          accepts: [...OPTIONAL_DESK_FRAMES],
        });
        this.reportStampsAhead(store);
        await this.pump();
        // Files the relay's store lost: a desk that still has them sends them again.
        this.askForBlobs(await this.storage.missingBlobs(this.workspace.id));
        await this.storage.touchDevice(this.device.id, new Date().toISOString());
        return;
      }
      case 'push': {
        const store = await this.store;
        let fresh: readonly LoggedChange[] = [];
        let result;
        try {
          result = await store.applyRemote(frame.changes, { onLogged: (logged) => (fresh = logged), refuseAhead: true });
        } catch (err) {
          if (!(err instanceof ClockAheadError)) throw err;
          // A PC whose clock runs ahead: nothing written, and the session stays open so the desk
          // still pulls; it keeps its changes until its clock is right (see the desk's sync client).
          this.log.warn({ device: this.device.id, aheadMs: err.aheadMs }, 'push refused: the desk clock is ahead');
          this.send({ t: 'error', code: err.code, message: err.message, time: err.time });
          return;
        }
        // Other desks first: this process's sessions hear at once (and other processes by NOTIFY).
        if (fresh.length > 0) await this.announcePush(fresh);
        this.send({ t: 'pushed', id: frame.id, logged: result.logged, applied: result.applied });
        return;
      }
      case 'numbers-request': {
        // Blocks for this desk alone, recorded before they are sent (a lost answer only leaves a gap).
        const floor = await shopNumberFloor(await this.store, frame.above);
        const grant = await this.storage.roNumbers.grant({
          workspaceId: this.workspace.id,
          deviceId: this.device.id,
          want: frame.want,
          floor,
          now: new Date().toISOString(),
          newReserve: frame.reserve === true,
        });
        this.send({ t: 'numbers', ...grant });
        return;
      }
      case 'blobs-lacking': {
        // Only what this connection was asked for; anything else is ignored, not an error.
        const asked = frame.hashes.filter((h) => this.blobsAsked.has(h));
        if (asked.length > 0) this.blobLacks.note(this.workspace.id, this.device.id, asked);
        return;
      }
      case 'ack': {
        if (frame.cursor > this.sent) {
          return this.refuse(CLOSE.protocol, 'ack-ahead', 'Acknowledged changes that were never sent.');
        }
        this.unacked = this.unacked.filter((cursor) => cursor > frame.cursor);
        // Read again only if something was announced (or more was waiting) while pages were out.
        if (this.dirty) await this.pump();
        return;
      }
    }
  }

  /** Sends the next pages while fewer than allowed wait for their acknowledgement. */
  private async pump(): Promise<void> {
    if (this.deskNode === null || this.closed) return;
    const full = () => this.unacked.length >= (this.catchingUp ? CATCH_UP_PAGES_IN_FLIGHT : 1);
    if (this.pumping || full()) {
      this.dirty = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.dirty = false;
        const store = await this.store;
        const page = await store.changesSince(this.sent, { limit: SYNC_PAGE, excludeNode: this.deskNode });
        if (this.closed) return;
        if (page.cursor === this.sent && this.greeted) continue;
        if (page.changes.length === 0 && this.greeted) {
          // Only the desk's own changes: nothing to send. Step past them here; the desk's stored
          // cursor catches up with the next real page.
          this.sent = page.cursor;
          if (page.more) this.dirty = true;
          continue;
        }
        this.greeted = true;
        this.send({
          t: 'changes',
          changes: page.changes.map(({ seq: _seq, ...c }) => c),
          cursor: page.cursor,
          more: page.more,
        });
        this.sent = page.cursor;
        this.unacked.push(page.cursor);
        this.catchingUp = page.more;
        // A full page means more is waiting: read it now, while the desk applies this one.
        if (page.more) this.dirty = true;
      } while (this.dirty && !full());
    } finally {
      this.pumping = false;
    }
  }

  /** Says once per workspace and process how many stamps in the log lie beyond the clock bound (written before it existed). */
  private reportStampsAhead(store: WorkspaceStore): void {
    if (store.aheadAtOpen === 0 || reportedAhead.has(store)) return;
    reportedAhead.add(store);
    this.log.warn(
      { workspace: this.workspace.slug, stamps: store.aheadAtOpen },
      'the log holds changes stamped more than the clock bound in the future (from before clocks were bounded); their cells keep them until real time passes them',
    );
  }

  private fail(err: unknown): void {
    const e = err as { code?: string; message?: string };
    if (e.code === 'invalid-change') {
      this.refuse(CLOSE.invalidFrame, 'invalid-change', e.message ?? 'A change was refused.');
      return;
    }
    this.log.error({ err: e.message, device: this.device.id }, 'sync session failed');
    this.refuse(1011, 'internal', 'The relay could not handle that frame; reconnect and try again.');
  }
}

/** A close reason must fit in 123 bytes of UTF-8 (RFC 6455), or ws throws and the socket stays open. */
function closeReason(message: string): string {
  let reason = '';
  for (const ch of message) {
    if (Buffer.byteLength(reason + ch) > 123) break;
    reason += ch;
  }
  return reason;
}
