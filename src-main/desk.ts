// The desk core: one workspace's database, its mutation layer, backups and the typed API
// handlers, behind a single object that both transports (Electron IPC, browser host) serve.
import fs from 'node:fs';
import path from 'node:path';
import type { PushEvent } from '../src-shared/api/contract.js';
import { CHANGED_ROWS_LIMIT, type ChangedEvent, type SyncStatus } from '../src-shared/domain.js';
import { type CallOutcome, dispatch, type HandlerMap, mergeHandlers, type Session } from './api/dispatch.js';
import type { DeskContext } from './api/desk-context.js';
import { auditHandlers } from './audit/handlers.js';
import { BlobSync } from './blobs/blob-sync.js';
import { backupHandlers } from './db/backup-handlers.js';
import { backupIfDue, DEFAULT_KEEP_BACKUPS } from './db/backups.js';
import { openWorkspaceDb, ownNodeHistory, type WorkspaceDb } from './db/workspace-db.js';
import { customerHandlers } from './customers/handlers.js';
import { readDeskConfig } from './desk-config.js';
import { demoHandlers } from './demo/handlers.js';
import { callHandlers } from './calls/handlers.js';
import { acquireDeskLock } from './desk-lock.js';
import { type DeviceCredential, readDevice } from './sync/device.js';
import { PairingError, pairDesk } from './sync/pair.js';
import { SyncClient, type SyncClientOptions } from './sync/sync-client.js';
import { syncHandlers } from './sync/handlers.js';
import { exceptionHandlers } from './exceptions/handlers.js';
import { repairOrderHandlers } from './repair-orders/handlers.js';
import { adoptPairingNumbers, RoNumberKeeper } from './repair-orders/ro-numbers.js';
import { portalHandlers } from './portal/handlers.js';
import { printingHandlers } from './printing/handlers.js';
import { searchHandlers } from './search/handlers.js';
import { mailHandlers } from './mail/handlers.js';
import { composeHandlers } from './mail/compose.js';
import { smsHandlers } from './sms/handlers.js';
import { draftingHandlers } from './drafting/handlers.js';
import { automationHandlers } from './automations/handlers.js';
import { schedulingHandlers } from './scheduling/handlers.js';
import { csiHandlers } from './csi/handlers.js';
import { esignHandlers } from './esign/handlers.js';
import { providerHandlers } from './providers/handlers.js';
import { staffHandlers } from './staff/handlers.js';
import { reportHandlers } from './reports/reports.js';
import { ensureWorkspaceSettings, workspaceHandlers } from './workspace/handlers.js';
import { readStoredPhonesOnce } from './customers/renormalise.js';

export interface DeskOptions {
  dataDir: string;
  /** Name and slug for a new workspace; ignored when the data folder already has one. */
  workspace?: { name: string; slug: string };
  keepBackups?: number;
  /** Daily backups run on a timer while the desk is open (off in tests and one-shot commands). */
  scheduleBackups?: boolean;
  /** Connect to the relay when the folder is paired (default true; one-shot commands turn it off). */
  sync?: boolean;
  syncOptions?: SyncClientOptions;
  /** This PC's wall clock for stamps and clock checks (tests inject one running ahead). */
  now?: () => number;
}

export const DEFAULT_WORKSPACE = { name: 'My Body Shop', slug: 'my-body-shop' };

export function deskPaths(dataDir: string, slug: string) {
  return {
    config: path.join(dataDir, 'desk.json'),
    database: path.join(dataDir, 'workspaces', `${slug}.sqlite`),
    backups: path.join(dataDir, 'backups', slug),
  };
}

export { readDeskConfig } from './desk-config.js';

/** The `changed` event of a committed transaction: its tables, and its rows unless there were many. */
export function changedEvent(touched: ReadonlyMap<string, ReadonlySet<string>>): ChangedEvent {
  let count = 0;
  for (const ids of touched.values()) count += ids.size;
  const tables = [...touched.keys()];
  if (count > CHANGED_ROWS_LIMIT) return { type: 'changed', tables };
  return { type: 'changed', tables, rows: Object.fromEntries([...touched].map(([table, ids]) => [table, [...ids]])) };
}

export class Desk implements DeskContext {
  readonly handlers: HandlerMap;
  /** A listener gets each event and the session it is for (null: every window). */
  private readonly listeners = new Set<(event: PushEvent, sessionId: string | null) => void>();
  private backupTimer: NodeJS.Timeout | null = null;
  /** The once-per-desk reading of stored phone numbers, started at open (awaited by close). */
  private phoneReading: Promise<unknown> = Promise.resolve();

  /** Settles when the at-open reading of stored phone numbers is over (tests wait on it). */
  phonesReadAtOpen(): Promise<void> {
    return this.phoneReading.then(() => undefined);
  }
  /** Present when this data folder is paired with a relay. */
  syncClient: SyncClient | null = null;
  /** Moves photos and PDFs to and from the relay; present when `syncClient` is. */
  blobSync: BlobSync | null = null;
  /** Asks the relay for RO number blocks and renumbers old duplicates; present when `syncClient` is. */
  roNumbers: RoNumberKeeper | null = null;
  private sessionCounter = 0;
  /** When things happen, as the handlers record it on the shop's records (`at` fields; not sync stamps). */
  private clock: () => Date = () => new Date();

  private constructor(
    readonly dataDir: string,
    readonly slug: string,
    readonly workspace: WorkspaceDb,
    readonly backupDir: string,
    readonly keepBackups: number,
    private readonly releaseLock: () => void,
  ) {
    this.handlers = mergeHandlers(
      workspaceHandlers,
      staffHandlers,
      customerHandlers,
      repairOrderHandlers,
      exceptionHandlers,
      searchHandlers,
      auditHandlers,
      backupHandlers,
      syncHandlers,
      portalHandlers,
      printingHandlers,
      esignHandlers,
      smsHandlers,
      mailHandlers,
      composeHandlers,
      draftingHandlers,
      schedulingHandlers,
      csiHandlers,
      demoHandlers,
      callHandlers,
      providerHandlers,
      reportHandlers,
      automationHandlers,
    );
    workspace.store.onChange((touched, origin) => {
      this.emit(changedEvent(touched));
      const messages = touched.get('messages');
      if (origin === 'remote' && messages) void this.announceReceived([...messages]).catch(() => undefined);
    });
  }

  static async open(options: DeskOptions): Promise<Desk> {
    fs.mkdirSync(options.dataDir, { recursive: true });
    const config = readDeskConfig(options.dataDir);
    const slug = config?.workspace ?? options.workspace?.slug ?? DEFAULT_WORKSPACE.slug;
    const paths = deskPaths(options.dataDir, slug);
    const keep = options.keepBackups ?? DEFAULT_KEEP_BACKUPS;
    const releaseLock = acquireDeskLock(options.dataDir);
    let workspace: WorkspaceDb;
    try {
      workspace = await openWorkspaceDb(paths.database, { backupDir: paths.backups, keepBackups: keep, now: options.now });
    } catch (err) {
      releaseLock();
      throw err;
    }
    if (!config) fs.writeFileSync(paths.config, `${JSON.stringify({ workspace: slug }, null, 2)}\n`);
    let desk: Desk;
    try {
      desk = new Desk(options.dataDir, slug, workspace, paths.backups, keep, releaseLock);
      const device = readDevice(options.dataDir);
      // Numbers that came with the pairing, also for one-shot commands that do not sync.
      if (device) adoptPairingNumbers(workspace.sqlite, device);
      // A paired desk gets its settings from the relay; writing defaults here would overwrite them.
      if (!device) {
        await ensureWorkspaceSettings(desk, {
          name: options.workspace?.name ?? DEFAULT_WORKSPACE.name,
          slug,
        });
      } else if (options.sync !== false) {
        desk.startSync(device, options.now ? { now: options.now, ...options.syncOptions } : options.syncOptions);
      }
    } catch (err) {
      await workspace.close();
      releaseLock();
      throw err;
    }
    if (options.scheduleBackups) {
      // A failed backup (full disk, say) must not keep the shop from working: it is logged and retried hourly.
      const daily = () =>
        backupIfDue(workspace.sqlite, paths.backups, keep).catch((err: unknown) =>
          console.error('[backup] daily backup failed:', err),
        );
      await daily();
      desk.backupTimer = setInterval(daily, 60 * 60 * 1000);
      desk.backupTimer.unref();
    }
    // Numbers stored before this version are read again in the shop's country, once, without holding up the open.
    desk.phoneReading = new Promise((resolve) => setImmediate(resolve))
      .then(() => readStoredPhonesOnce(desk))
      .catch((err: unknown) => console.error('[phones] reading stored numbers failed (tried again at the next open):', err));
    return desk;
  }

  /** Starts the sync client and blob transfers for a paired data folder (at open, or right after pairing). */
  private startSync(device: DeviceCredential, syncOptions?: SyncClientOptions): void {
    const { workspace } = this;
    this.syncClient = new SyncClient(
      workspace.store,
      device,
      async () => [workspace.store.nodeId, ...ownNodeHistory(workspace.sqlite)],
      syncOptions,
    );
    adoptPairingNumbers(workspace.sqlite, device);
    this.roNumbers = new RoNumberKeeper(workspace.store, this.syncClient, async () => [workspace.store.nodeId, ...ownNodeHistory(workspace.sqlite)]);
    this.syncClient.start();
    this.blobSync = new BlobSync(workspace.store, this.dataDir, device, this.syncClient, syncOptions);
    this.blobSync.start();
    const announce = () => void this.syncStatus().then((status) => this.emit({ type: 'sync', status }), () => undefined);
    this.syncClient.onStatus(announce);
    this.blobSync.onCounts(announce);
    announce();
  }

  /**
   * Pairs this open desk with the shop's relay and starts syncing without a restart. What this
   * desk holds goes up to the relay and the rest of the shop comes down.
   */
  async pair(input: { relayUrl: string; code: string; deviceName?: string }, syncOptions?: SyncClientOptions): Promise<SyncStatus> {
    if (this.syncClient) throw new PairingError('This desk is already connected to a relay.');
    const newPc = this.holdsNoShopData();
    const device = await pairDesk({ dataDir: this.dataDir, ...input });
    if (newPc) this.forgetOwnSettings();
    this.startSync(device, syncOptions);
    return this.syncStatus();
  }

  /** A PC that has not checked in a car, added a customer or a person yet: it joins a shop, it does not bring one. */
  private holdsNoShopData(): boolean {
    const count = (table: string) => (this.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return count('repair_orders') === 0 && count('customers') === 0 && count('staff') === 0;
  }

  /**
   * The settings a new desk wrote for itself when it opened unpaired (default name, colours,
   * hours) were never sent anywhere. Their stamps are newer than the shop's, so kept they would
   * win over the shop's real settings here and, once pushed, on every desk. They go, with their
   * log entries, and the shop's settings arrive with the first pull.
   */
  private forgetOwnSettings(): void {
    this.sqlite.transaction(() => {
      this.sqlite.prepare(`DELETE FROM changes WHERE tbl = 'workspace_settings'`).run();
      this.sqlite.prepare(`DELETE FROM cell_stamps WHERE tbl = 'workspace_settings'`).run();
      this.sqlite.prepare(`DELETE FROM workspace_settings`).run();
    })();
  }

  get store() {
    return this.workspace.store;
  }

  get db() {
    return this.workspace.db;
  }

  get sqlite() {
    return this.workspace.sqlite;
  }

  /** The moment handlers write as "when it happened": the wall clock, except while the demo seeds its past month. */
  now(): Date {
    return this.clock();
  }

  /**
   * For the demo's seeding run only: the records written meanwhile, and their audit events, are
   * dated by `clock` (sync stamps keep real time). Returns the function that puts the wall clock back.
   */
  useClock(clock: () => Date): () => void {
    this.clock = clock;
    this.store.auditClock = clock;
    return () => {
      this.clock = () => new Date();
      this.store.auditClock = () => new Date();
    };
  }

  newSession(): Session {
    this.sessionCounter += 1;
    return { id: `s${this.sessionCounter}`, staffId: null };
  }

  call(method: unknown, args: unknown, session: Session): Promise<CallOutcome> {
    return dispatch(this.handlers, method, args, { desk: this, session });
  }

  /** Online or offline since when, and what is still waiting to go out or come in. */
  async syncStatus(): Promise<SyncStatus> {
    if (!this.syncClient) {
      return {
        paired: false,
        relayUrl: null,
        workspace: null,
        online: false,
        offlineSince: null,
        changesWaiting: 0,
        actionsWaiting: 0,
        filesToSend: 0,
        filesToFetch: 0,
        filesLostElsewhere: 0,
        lastSyncedAt: null,
        problem: null,
        clock: null,
      };
    }
    const files = this.blobSync?.counts();
    const status = await this.syncClient.status();
    return {
      ...status,
      filesToSend: files?.uploadsWaiting ?? 0,
      filesToFetch: files?.downloadsWaiting ?? 0,
      filesLostElsewhere: files?.lostOnRelayNotHere ?? 0,
      problem: status.problem ?? files?.problem ?? null,
    };
  }

  /** Messages already announced as received by this process (so an edit of one is not a new one). */
  private readonly announced = new Set<string>();

  /** Tells the windows about customers' messages that just arrived from the relay (for a notification). */
  private async announceReceived(ids: string[]): Promise<void> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['id', 'ro_id', 'channel', 'author', 'body', 'at'])
      .where('id', 'in', ids)
      .where('direction', '=', 'in')
      .where('read_at', 'is', null)
      .orderBy('at')
      .execute();
    const fresh = rows.filter((r) => !this.announced.has(r.id));
    if (fresh.length === 0) return;
    if (this.announced.size > 10_000) this.announced.clear();
    for (const r of fresh) this.announced.add(r.id);
    this.emit({
      type: 'message-received',
      messages: fresh.map((r) => ({
        id: r.id,
        roId: r.ro_id,
        channel: (r.channel ?? 'portal') as 'portal' | 'sms' | 'email',
        author: r.author ?? '',
        body: r.body ?? '',
        at: r.at ?? '',
      })),
    });
  }

  publish(event: PushEvent, to?: Session): void {
    this.emit(event, to?.id ?? null);
  }

  private emit(event: PushEvent, sessionId: string | null = null): void {
    for (const listener of this.listeners) listener(event, sessionId);
  }

  /** `sessionId` is the one window an event is for, or null for every window. */
  onEvent(listener: (event: PushEvent, sessionId: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.backupTimer) clearInterval(this.backupTimer);
    this.roNumbers?.close();
    await this.syncClient?.stop();
    await this.roNumbers?.settled();
    await this.phoneReading;
    await this.blobSync?.stop();
    this.listeners.clear();
    await this.workspace.close();
    this.releaseLock();
  }
}
