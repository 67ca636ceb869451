// The relay's shared storage for several relay processes behind a load balancer: operator records
// in schema `public`, each workspace's synced tables in its own schema `ws_<id without dashes>`.
// Writers of one workspace, in any process, are serialised by a PostgreSQL advisory lock taken
// first in every writing transaction, so the change log's sequence numbers are handed out in
// commit order and a desk reading the log with a cursor never steps over a change committed late.
// Processes tell each other that a log grew with LISTEN/NOTIFY on one channel; a process wakes
// its own sessions directly and skips its own notices when they come back.
import { RoundRecords, type RoundsDatabase } from './round-records.js';
import { jobMaintenanceSeconds, PgBossJobQueue } from '../jobs/queue.js';
import { createHash } from 'node:crypto';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { WorkspaceStore } from '../../src-shared/sync/store.js';
import { stampCeiling } from '../../src-shared/sync/hlc.js';
import {
  AnnounceListeners,
  createWorkspace,
  isWorkspaceId,
  OpenWorkspaces,
  OperatorRecords,
  type OperatorDatabase,
  relayNodeId,
} from './common.js';
import { postgresUnsyncedCommit as UNSYNCED } from './unsynced-commit.js';
import { migratePostgres, POSTGRES_OPERATOR_MIGRATIONS, postgresWorkspaceMigrations, StorageTooNewError } from './migrations/index.js';
import { type RelayStorage, RelayStorageError } from './types.js';
import { type AiUsageDatabase, AiUsageRecords } from './ai-usage-records.js';
import { type CustomerAccountDatabase, CustomerAccountRecords } from './customer-account-records.js';
import { GroupRecords, type GroupsDatabase } from '../groups/group-records.js';
import { DeskReleaseRecords, type DeskReleasesDatabase } from '../updates/release-records.js';
import { type EsignKeysDatabase, EsignKeyRecords } from './esign-key-records.js';
import { type EsignOperatorDatabase, EsignRecords } from './esign-records.js';
import { ProviderRecords, type ProvidersDatabase } from '../providers/records.js';
import { AutomationTimerRecords, type AutomationTimersDatabase } from '../automations/timer-records.js';
import { ProviderApiRecords, type ProviderApiDatabase } from '../provider-api/records.js';
import { type MailOperatorDatabase, MailRecords } from './mail-records.js';
import { type SmsOperatorDatabase, SmsRecords } from './sms-records.js';
import { postgresRoBlocksLock, type RoBlocksDatabase, RoNumberBlocks } from './ro-number-blocks.js';
import { applyChangesOnPostgres } from './postgres-changes.js';

export const CHANGES_CHANNEL = 'bayline_changes';
/** Shown in pg_stat_activity, so an operator can tell the relay's connections apart. */
export const APPLICATION_NAME = 'bayline-relay';
export const LISTEN_APPLICATION_NAME = 'bayline-relay-listen';

/**
 * int8 (changes.seq, blob sizes, BIGINT cells) as a JavaScript number. Set on our own pools
 * rather than globally with pg.types, so other pg users in the process keep pg's default.
 * A value past 2^53 would lose digits silently, so it fails loudly instead.
 */
function int8AsNumber(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(20, (text: string) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new Error(`Integer ${text} is too large for JavaScript`);
    return n;
  });
  return types;
}

/** A schema per workspace: its id without dashes, so the name needs no quoting. */
export function workspaceSchema(workspaceId: string): string {
  if (!isWorkspaceId(workspaceId)) throw new RelayStorageError('not-found', `There is no workspace ${workspaceId}.`);
  return `ws_${workspaceId.replace(/-/g, '')}`;
}

/** A stable signed 64-bit advisory lock key per name (the same in every process and version). */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(`bayline:${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * Connection settings for `url` with extra server options. pg lets options in the URL override
 * the `options` setting, so any the URL carries are moved over and ours appended (the last
 * `-c …` wins). The workspace pool sets its schema per connection instead (workspacePoolView).
 */
function connectionConfig(url: string, options?: string): pg.ClientConfig {
  let connectionString = url;
  let given: string | null = null;
  try {
    const parsed = new URL(url);
    given = parsed.searchParams.get('options');
    if (given !== null) {
      parsed.searchParams.delete('options');
      connectionString = parsed.toString();
    }
  } catch {
    // Not a URL pg would parse differently; pass it on as it is.
  }
  const merged = [given, options].filter((o): o is string => !!o).join(' ');
  return { connectionString, ...(merged ? { options: merged } : {}), types: int8AsNumber() };
}

/**
 * The dialect of one workspace's Kysely: every transaction on it writes that workspace, so BEGIN
 * itself takes the writers' advisory lock, in the same round trip (three statements in one
 * simple-protocol message) instead of one of its own. BEGIN also sets the transaction's
 * search_path to the workspace's schema: the connection's own path is set already (see
 * `workspacePoolView`), so this only guards every write against a path set wrongly by mistake.
 */
class WorkspaceDialect extends PostgresDialect {
  constructor(
    private readonly settings: PostgresDialectConfig,
    private readonly lockKey: string,
    private readonly schema: string,
  ) {
    super(settings);
    if (!/^-?\d+$/.test(lockKey)) throw new Error(`Not an advisory lock key: ${lockKey}`);
    if (!/^ws_[0-9a-f]{32}$/.test(schema)) throw new Error(`Not a workspace schema: ${schema}`);
  }

  override createDriver(): Driver {
    const begin = CompiledQuery.raw(`BEGIN; SET LOCAL search_path TO ${this.schema}; SELECT pg_advisory_xact_lock(${this.lockKey}::bigint)`);
    return new (class extends PostgresDriver {
      override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
        if (settings.isolationLevel || settings.accessMode) throw new Error('Workspace transactions use the default isolation level.');
        await connection.executeQuery(begin);
      }
    })(this.settings);
  }
}

/** The size of the process's one pool for every workspace, from BAYLINE_PG_POOL_MAX (default 10). */
export function workspacePoolMax(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.BAYLINE_PG_POOL_MAX;
  if (given === undefined || given.trim() === '') return 10;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new Error(`BAYLINE_PG_POOL_MAX must be a whole number from 1 to 1000 (the PostgreSQL connections each relay process uses for its workspaces); it is "${given}".`);
  }
  return n;
}

/** The search_path each connection of the shared workspace pool was last set to. */
const connectionSchema = new WeakMap<pg.PoolClient, string>();

/**
 * One workspace's view of the shared pool, as Kysely's dialect takes it: a connection handed out
 * has its session search_path set to the workspace's schema, with a SET only when it last served
 * another workspace (or is new). If the SET fails, the connection's path is unknown, so it is
 * closed rather than returned to the pool. Ending the view ends nothing: the storage owns the pool.
 */
function workspacePoolView(pool: pg.Pool, schema: string): { connect(): Promise<pg.PoolClient>; end(): Promise<void> } {
  return {
    async connect() {
      const client = await pool.connect();
      if (connectionSchema.get(client) !== schema) {
        connectionSchema.delete(client);
        try {
          await client.query(`SET search_path TO ${schema}`);
        } catch (err) {
          client.release(err instanceof Error ? err : new Error(String(err)));
          throw err;
        }
        connectionSchema.set(client, schema);
      }
      return client;
    },
    async end() {},
  };
}

function newPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  // An idle connection the server closed (restart, admin kill): the pool drops it and opens a
  // new one for the next query. Without a handler the 'error' event would end the process.
  pool.on('error', () => {});
  // The same for a connection cut while a query holds it between two statements (a transaction,
  // Kysely's `connection()`): pg-pool takes its idle handler off while it is lent out, so without
  // this the cut would end the process. Its next statement fails instead, and the pool drops it
  // on release (a client that is no longer queryable is never lent again).
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

function postgresViolation(err: unknown): 'unique' | 'foreign-key' | null {
  const code = (err as { code?: unknown }).code;
  if (code === '23505') return 'unique';
  if (code === '23503') return 'foreign-key';
  return null;
}

/**
 * One dedicated connection LISTENing for announcements. When it drops it reconnects (backing off
 * up to 5 s); notices sent while it was away are lost, so after reconnecting it reports every
 * workspace this process serves as changed and the sync hub looks at their logs again.
 * This process's own announcements are sent on the same connection, so they come back with its
 * backend's pid and are skipped (the process heard them already, without the round trip).
 */
class NoticeListener {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delay = 100;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly onNotice: (payload: string) => void,
    private readonly onReconnected: () => void,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.config, application_name: LISTEN_APPLICATION_NAME });
    let live = false;
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      client.end().catch(() => {});
      if (live) {
        if (this.client === client) this.client = null;
        this.scheduleReconnect();
      }
    };
    client.on('error', lose);
    client.on('end', lose);
    // The backend pid of this connection: notices carrying it are this process's own.
    let pid: number | null = null;
    client.on('notification', (msg) => {
      if (msg.channel === CHANGES_CHANNEL && msg.payload && msg.processId !== pid) this.onNotice(msg.payload);
    });
    try {
      await client.connect();
      pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (err) {
      lose();
      throw err;
    }
    if (lost) throw new Error('The LISTEN connection closed while it was being set up.');
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    live = true;
    this.client = client;
  }

  /** Sends a notice on the listening connection; false when it is down (the caller uses another). */
  async notify(payload: string): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    try {
      await client.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, payload]);
      return true;
    } catch {
      return false;
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(
        () => {
          this.delay = 100;
          if (!this.closed) this.onReconnected();
        },
        () => {
          this.delay = Math.min(this.delay * 2, 5000);
          this.scheduleReconnect();
        },
      );
    }, this.delay);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

export async function openPostgresStorage(url: string): Promise<RelayStorage> {
  const poolMax = workspacePoolMax();
  const base = connectionConfig(url);
  const operatorPool = newPool({ ...base, max: 5, application_name: APPLICATION_NAME });
  try {
    const client = await operatorPool.connect();
    try {
      await migratePostgres(client, {
        schema: 'public',
        versionTable: 'relay_meta',
        migrations: POSTGRES_OPERATOR_MIGRATIONS,
        lockKey: advisoryKey('operator-schema'),
        label: 'The relay database',
      });
      client.release();
    } catch (err) {
      client.release(!(err instanceof StorageTooNewError));
      throw err;
    }
  } catch (err) {
    await operatorPool.end();
    throw err;
  }

  const operator = new Kysely<OperatorDatabase>({ dialect: new PostgresDialect({ pool: operatorPool }) });
  const records = new OperatorRecords(operator, postgresViolation);
  const listeners = new AnnounceListeners();
  let closed = false;

  const noticeListener = new NoticeListener(
    base,
    (workspaceId) => listeners.emit(workspaceId, false),
    () => {
      for (const id of open.ids()) listeners.emit(id, false);
    },
  );
  try {
    await noticeListener.start();
  } catch (err) {
    await operator.destroy();
    throw err;
  }

  const latestWorkspaceVersion = Math.max(...postgresWorkspaceMigrations().map((m) => m.version));

  async function migrateWorkspace(id: string): Promise<void> {
    const schema = workspaceSchema(id);
    // The usual case, a workspace already at this relay's version, is one read without the lock:
    // the version row is written in the transaction that ran the migrations, so once it reads
    // latest, every process sees the schema complete. Anything else goes through the locked path.
    try {
      const row = await operatorPool.query<{ value: string }>(`SELECT value FROM ${schema}.meta WHERE key = 'schema_version'`);
      if (Number(row.rows[0]?.value) === latestWorkspaceVersion) return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // No schema (3F000) or no meta table (42P01) yet: a new workspace, migrated below.
      if (code !== '3F000' && code !== '42P01') throw err;
    }
    const client = await operatorPool.connect();
    try {
      await migratePostgres(client, {
        schema,
        versionTable: 'meta',
        migrations: postgresWorkspaceMigrations(),
        // The writers' lock: no change is written while the workspace's schema changes.
        lockKey: advisoryKey(`workspace:${id}`),
        label: `Workspace ${id} (schema ${schema})`,
      });
      client.release();
    } catch (err) {
      client.release(!(err instanceof StorageTooNewError));
      throw err;
    }
  }

  // One pool for every workspace this process opens (see workspacePoolView): connections grow
  // with relay processes, not with shops. Idle connections close after 30 s.
  const workspacePool = newPool({ ...base, max: poolMax, idleTimeoutMillis: 30_000, application_name: APPLICATION_NAME });

  const open = new OpenWorkspaces(records, async (id) => {
    const schema = workspaceSchema(id);
    const lockKey = advisoryKey(`workspace:${id}`);
    await migrateWorkspace(id);
    // Opening costs no connection of its own: the workspace's Kysely borrows from the shared pool.
    const db = new Kysely<WorkspaceDatabase>({ dialect: new WorkspaceDialect({ pool: workspacePoolView(workspacePool, schema) }, lockKey, schema) });
    try {
      let store: WorkspaceStore | undefined;
      store = await WorkspaceStore.open(db, relayNodeId(), {
        applyChanges: applyChangesOnPostgres,
        lock: async (trx, stamping) => {
          // The writers' lock is held already: BEGIN took it (WorkspaceDialect). Other relay
          // processes write this workspace with clocks of their own. Under the lock, the newest
          // stamp in the log is final: observing it stamps this write after every change
          // committed before it, as a single relay would. Applying remote changes stamps
          // nothing, so it needs no look.
          if (!stamping) return;
          // Only stamps within the clock bound: one from before clocks were bounded moves nothing.
          const ceiling = stampCeiling(store?.clock.limit() ?? Date.now());
          const last = await trx.selectFrom('changes').select('stamp').where('stamp', '<=', ceiling).orderBy('stamp', 'desc').limit(1).executeTakeFirst();
          if (last) store?.clock.observe(last.stamp);
        },
      });
      return { store, db };
    } catch (err) {
      await db.destroy();
      throw err;
    }
  });

  // Started on first use (a relay that serves); commands that only read never create its schema.
  const jobs = new PgBossJobQueue(operatorPool, { maintenanceIntervalSeconds: jobMaintenanceSeconds() });
  const storage: RelayStorage = {
    engine: 'postgres',
    jobs,
    sms: new SmsRecords(operator as unknown as Kysely<SmsOperatorDatabase>),
    mail: new MailRecords(operator as unknown as Kysely<MailOperatorDatabase>),
    aiUsage: new AiUsageRecords(operator as unknown as Kysely<AiUsageDatabase>),
    groups: new GroupRecords(operator as unknown as Kysely<GroupsDatabase>),
    deskReleases: new DeskReleaseRecords(operator as unknown as Kysely<DeskReleasesDatabase>),
    esignKeys: new EsignKeyRecords(operator as unknown as Kysely<EsignKeysDatabase>),
    esign: new EsignRecords(operator as unknown as Kysely<EsignOperatorDatabase>),
    accounts: new CustomerAccountRecords(operator as unknown as Kysely<CustomerAccountDatabase>),
    providers: new ProviderRecords(operator as unknown as Kysely<ProvidersDatabase>, UNSYNCED),
    automationTimers: new AutomationTimerRecords(operator as unknown as Kysely<AutomationTimersDatabase>),
    providerApi: new ProviderApiRecords(operator as unknown as Kysely<ProviderApiDatabase>),
    roNumbers: new RoNumberBlocks(
      operator as unknown as Kysely<RoBlocksDatabase>,
      postgresRoBlocksLock((workspaceId) => advisoryKey(`ro-numbers:${workspaceId}`)),
    ),
    rounds: new RoundRecords(operator as unknown as Kysely<RoundsDatabase>),

    createWorkspace: (input) =>
      createWorkspace(records, input, {
        prepare: async (id) => (await open.get(id)).store,
        async discard(id) {
          await open.close(id);
          await operatorPool.query(`DROP SCHEMA IF EXISTS ${workspaceSchema(id)} CASCADE`);
        },
      }),
    listWorkspaces: () => records.listWorkspaces(),
    findWorkspace: (idOrSlug) => records.findWorkspace(idOrSlug),

    createPairingCode: (input) => records.createPairingCode(input),
    redeemPairingCode: (input) => records.redeemPairingCode(input),

    findDevice: (id) => records.findDevice(id),
    liveDevices: (ids) => records.liveDevices(ids),
    listDevices: (workspaceId) => records.listDevices(workspaceId),
    revokeDevice: (id, now) => records.revokeDevice(id, now),
    touchDevice: (id, now) => records.touchDevice(id, now),

    recordBlob: (blob) => records.recordBlob(blob),
    findBlob: (workspaceId, hash) => records.findBlob(workspaceId, hash),
    recordedBlobs: (workspaceId) => records.recordedBlobs(workspaceId),
    markBlobsMissing: (workspaceId, hashes, now) => records.markBlobsMissing(workspaceId, hashes, now),
    missingBlobs: (workspaceId) => records.missingBlobs(workspaceId),
    workspacesMissingBlobs: () => records.workspacesMissingBlobs(),

    workspaceStore: (workspaceId) => open.store(workspaceId),

    async announceChanges(workspaceId) {
      // This process's sessions at once; every other LISTENing process once the NOTIFY commits.
      listeners.emit(workspaceId, true);
      if (!(await noticeListener.notify(workspaceId))) {
        await operatorPool.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, workspaceId]);
      }
    },
    onChangesAnnounced: (listener, options) => listeners.add(listener, options),

    async close() {
      if (closed) return;
      closed = true;
      await jobs.stop();
      await noticeListener.close();
      await open.closeAll();
      await workspacePool.end();
      await operator.destroy();
    },
  };
  return storage;
}
