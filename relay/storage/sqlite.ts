// The relay's embedded storage: operator records in `DATA/relay.sqlite`, and one SQLite file per
// workspace in `DATA/workspaces/<workspaceId>.sqlite` holding the same synced tables as a desk.
// One relay process owns a data folder; its single connection per file serialises every write,
// so the store needs no lock hook and announcements stay inside this process.
import { RoundRecords, type RoundsDatabase } from './round-records.js';
import { InlineJobQueue } from '../jobs/queue.js';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { WorkspaceStore } from '../../src-shared/sync/store.js';
import { keepWal } from '../../src-shared/db/wal-checkpoint.js';
import {
  AnnounceListeners,
  createWorkspace,
  isWorkspaceId,
  OpenWorkspaces,
  OperatorRecords,
  type OperatorDatabase,
  relayNodeId,
} from './common.js';
import { sqliteUnsyncedCommit as UNSYNCED } from './unsynced-commit.js';
import {
  latestVersion,
  migrateSqlite,
  SQLITE_OPERATOR_MIGRATIONS,
  sqliteWorkspaceMigrations,
  type SqliteMigration,
  sqliteVersionOnDisk,
  StorageTooNewError,
} from './migrations/index.js';
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
import { withStatementCache } from '../../src-shared/db/statement-cache.js';
import { sqliteChangeApplier } from '../../src-shared/db/sqlite-changes.js';
import { type RoBlocksDatabase, RoNumberBlocks } from './ro-number-blocks.js';

/** Opens (creating if needed) and migrates one SQLite file; a newer file is refused before it is touched. */
export function openSqliteFile(file: string, migrations: readonly SqliteMigration[], label: string): Database.Database {
  const onDisk = sqliteVersionOnDisk(file);
  const latest = latestVersion(migrations);
  if (onDisk !== null && onDisk > latest) throw new StorageTooNewError(label, onDisk, latest);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a change the relay acknowledged to a desk survives a power cut, not only a crash.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrateSqlite(db, migrations, label);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function sqliteViolation(err: unknown): 'unique' | 'foreign-key' | null {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
  return null;
}

export async function openSqliteStorage(dataDir: string): Promise<RelayStorage> {
  const root = path.resolve(dataDir);
  const operatorFile = path.join(root, 'relay.sqlite');
  const operatorDb = openSqliteFile(operatorFile, SQLITE_OPERATOR_MIGRATIONS, operatorFile);
  // Statements reused by SQL text, as on the workspaces (every push makes the same few operator queries).
  const operator = new Kysely<OperatorDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(operatorDb) }) });
  const records = new OperatorRecords(operator, sqliteViolation);
  const listeners = new AnnounceListeners();
  let closed = false;

  const workspaceFile = (id: string) => path.join(root, 'workspaces', `${id}.sqlite`);

  const open = new OpenWorkspaces(records, async (id) => {
    if (!isWorkspaceId(id)) throw new RelayStorageError('not-found', `There is no workspace ${id}.`);
    const file = workspaceFile(id);
    const sqlite = openSqliteFile(file, sqliteWorkspaceMigrations(), file);
    const db = new Kysely<WorkspaceDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    try {
      // Checkpoints on the worker thread, never inside a push's commit (src-shared/db/wal-checkpoint.ts).
      const wal = keepWal(sqlite, file);
      const store = await WorkspaceStore.open(db, relayNodeId(), { applyChanges: sqliteChangeApplier(sqlite), afterCommit: () => wal.committed() });
      return { store, db, beforeClose: () => wal.close() };
    } catch (err) {
      await db.destroy();
      throw err;
    }
  });

  const storage: RelayStorage = {
    engine: 'sqlite',
    jobs: new InlineJobQueue(),
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
    roNumbers: new RoNumberBlocks(operator as unknown as Kysely<RoBlocksDatabase>),
    rounds: new RoundRecords(operator as unknown as Kysely<RoundsDatabase>),

    createWorkspace: (input) =>
      createWorkspace(records, input, {
        prepare: async (id) => (await open.get(id)).store,
        async discard(id) {
          await open.close(id);
          for (const suffix of ['', '-wal', '-shm']) fs.rmSync(workspaceFile(id) + suffix, { force: true });
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
      listeners.emit(workspaceId, true);
    },
    onChangesAnnounced: (listener, options) => listeners.add(listener, options),

    async close() {
      if (closed) return;
      closed = true;
      await open.closeAll();
      await operator.destroy();
    },
  };
  return storage;
}
