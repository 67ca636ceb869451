// Test support: a real relay (SQLite or PostgreSQL storage) on 127.0.0.1 with a workspace, and
// desks paired to it through the real pairing route.
import { Desk } from '../../src-main/desk.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import type { SyncClientOptions } from '../../src-main/sync/sync-client.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { type RelayOptions, type RunningRelay, startRelay } from '../server.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export type Engine = 'sqlite' | 'postgres';

export interface RelayFixture {
  engine: Engine;
  storage: RelayStorage;
  relay: RunningRelay;
  /** Where the storage lives: a data folder (SQLite) or a database URL (PostgreSQL). */
  location: string;
  workspace: WorkspaceRecord;
  /** The relay's blob folder, when started with `blobs`. */
  blobDir: string | undefined;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** `now`: the desk's wall clock (a test's clock running ahead or behind); default the real one. */
  pairNewDesk(
    name?: string,
    dataDir?: string,
    options?: { now?: () => number; syncOptions?: SyncClientOptions },
  ): Promise<{ desk: Desk; dataDir: string }>;
  cleanup(): Promise<void>;
}

export async function openStorage(engine: Engine, location: string): Promise<RelayStorage> {
  return engine === 'sqlite' ? openSqliteStorage(location) : openPostgresStorage(location);
}

/** A place for a relay's storage: a fresh PostgreSQL database (dropped by `drop`) or a temp folder. */
export async function newStorageLocation(engine: Engine): Promise<{ location: string; drop(): Promise<void> }> {
  if (engine === 'postgres') {
    const database: TestDatabase = await createTestDatabase();
    return { location: database.url, drop: () => database.drop() };
  }
  return { location: tempDir('bayline-relay-'), drop: async () => undefined };
}

export interface RelayFixtureOptions {
  deviceCheckMs?: number;
  /** Give the relay a blob folder (photos, PDFs), a fresh temp folder. */
  blobs?: boolean;
  portal?: RelayOptions['portal'];
  logger?: RelayOptions['logger'];
  /** Texting through a fake Telnyx (relay/testing/fake-telnyx.ts). */
  telnyx?: RelayOptions['telnyx'];
  sms?: RelayOptions['sms'];
  /** Mail settings (the fake Google of relay/email/fake-google/, say). */
  mailConfig?: RelayOptions['mailConfig'];
  mail?: RelayOptions['mail'];
  /** A model for drafts (the fake of relay/drafting/fake-openai/, say). */
  draftingConfig?: RelayOptions['draftingConfig'];
  drafting?: RelayOptions['drafting'];
  /** Booking (the clock slots are judged by, limits). */
  scheduling?: RelayOptions['scheduling'];
  /** Where work-provider invitations are mailed (a LocalSmtp of relay/email/imap/local-servers.ts, say). */
  providerMail?: RelayOptions['providerMail'];
  providerClock?: RelayOptions['providerClock'];
  /** The work-provider API's settings (its vault also seals sign-in code secrets). */
  providerApi?: RelayOptions['providerApi'];
  /** E-signature: the sealer and the clock codes expire by. */
  esign?: RelayOptions['esign'];
  /** The customer's account: limits and the clock. */
  accounts?: RelayOptions['accounts'];
  /** After the repair: the clock the survey's delay is judged by, how often it looks. */
  csi?: RelayOptions['csi'];
  automations?: RelayOptions['automations'];
}

export async function startRelayFixture(engine: Engine, options: RelayFixtureOptions = {}): Promise<RelayFixture> {
  const { location, drop } = await newStorageLocation(engine);
  let storage = await openStorage(engine, location);
  const workspace = await storage.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' });
  const blobDir = options.blobs ? tempDir('bayline-relay-blobs-') : undefined;
  const relayOptions = () => ({
    logger: options.logger ?? false,
    deviceCheckMs: options.deviceCheckMs ?? 200,
    blobDir,
    portal: options.portal,
    telnyx: options.telnyx,
    sms: options.sms,
    mailConfig: options.mailConfig,
    mail: options.mail,
    draftingConfig: options.draftingConfig,
    drafting: options.drafting,
    scheduling: options.scheduling,
    esign: options.esign,
    accounts: options.accounts,
    providerMail: options.providerMail,
    providerClock: options.providerClock,
    providerApi: options.providerApi,
    csi: options.csi,
    automations: options.automations,
  });
  let relay = await startRelay({ storage, port: 0, ...relayOptions() });
  const port = relay.port;
  const desks: Desk[] = [];
  let running = true;

  const fixture: RelayFixture = {
    engine,
    get storage() {
      return storage;
    },
    get relay() {
      return relay;
    },
    location,
    workspace,
    blobDir,
    async stop() {
      if (!running) return;
      running = false;
      await relay.close();
      await storage.close();
    },
    async restart() {
      await fixture.stop();
      storage = await openStorage(engine, location);
      relay = await startRelay({ storage, port, ...relayOptions() });
      running = true;
    },
    async pairNewDesk(name = 'Front desk', dataDir = tempDir(), deskOptions: { now?: () => number; syncOptions?: SyncClientOptions } = {}) {
      const { code } = await issuePairingCode(storage, workspace.id);
      await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: name });
      const desk = await Desk.open({
        dataDir,
        now: deskOptions.now,
        syncOptions: { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000, clockCheckMs: 100, ...deskOptions.syncOptions },
      });
      desks.push(desk);
      await desk.syncClient!.whenCaughtUp();
      return { desk, dataDir };
    },
    async cleanup() {
      await Promise.all(desks.map((d) => d.close().catch(() => undefined)));
      await fixture.stop();
      await drop();
    },
  };
  return fixture;
}

/** Polls until `check` returns a value other than undefined/false, or fails with `what` after the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function call<T = unknown>(desk: Desk, method: string, args: unknown): Promise<T> {
  const outcome = await desk.call(method, args, desk.newSession());
  if (!outcome.ok) throw new Error(`${method}: ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as T;
}
