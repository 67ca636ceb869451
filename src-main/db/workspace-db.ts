// Opens a workspace's SQLite file: refuses one written by a newer Bayline, backs up before
// migrating, migrates, turns on WAL, and hands out the mutation layer over it.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { WorkspaceStore } from '../../src-shared/sync/store.js';
import { reindexTouched, searchIndexCommitted } from '../search/search-index.js';
import { createBackup } from './backups.js';
import { sqliteChangeApplier } from '../../src-shared/db/sqlite-changes.js';
import { statement, withStatementCache } from '../../src-shared/db/statement-cache.js';
import { deskMigrations } from './migrations/index.js';
import { keepWal, type WalKeeper } from '../../src-shared/db/wal-checkpoint.js';

export class DatabaseTooNewError extends Error {
  readonly code = 'database-too-new';
  constructor(
    readonly file: string,
    readonly fileVersion: number,
    readonly appVersion: number,
  ) {
    super(
      `${file} was written by a newer Bayline (database version ${fileVersion}; this app knows up to ${appVersion}). ` +
        'Install the newer Bayline on this PC; the file was left untouched.',
    );
  }
}

export interface OpenOptions {
  /** Folder for automatic backups (before migrations); none when omitted. */
  backupDir?: string;
  keepBackups?: number;
  /** The wall clock the store stamps with (tests inject one running ahead). */
  now?: () => number;
}

export interface WorkspaceDb {
  file: string;
  sqlite: Database.Database;
  db: Kysely<WorkspaceDatabase>;
  store: WorkspaceStore;
  nodeId: string;
  /** The file's checkpoints on the checkpoint thread (src-shared/db/wal-checkpoint.ts); `wal.settled()` waits for them. */
  wal: WalKeeper;
  close(): Promise<void>;
}

export function schemaVersion(sqlite: Database.Database): number {
  return sqlite.pragma('user_version', { simple: true }) as number;
}

/** Reads the version without writing anything to the file. */
function versionOnDisk(file: string): number | null {
  if (!fs.existsSync(file)) return null;
  const probe = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return schemaVersion(probe);
  } finally {
    probe.close();
  }
}

/** The newest version this desk knows (the schema a test extended, if any, counts). */
export function latestDeskVersion(): number {
  const migrations = deskMigrations();
  return migrations[migrations.length - 1]!.version;
}

export function migrate(sqlite: Database.Database, target = latestDeskVersion()): void {
  const from = schemaVersion(sqlite);
  for (const m of deskMigrations()) {
    if (m.version <= from || m.version > target) continue;
    sqlite.transaction(() => {
      m.up(sqlite);
      sqlite.pragma(`user_version = ${m.version}`);
    })();
  }
}

export async function openWorkspaceDb(file: string, options: OpenOptions = {}): Promise<WorkspaceDb> {
  const onDisk = versionOnDisk(file);
  const latest = latestDeskVersion();
  if (onDisk !== null && onDisk > latest) throw new DatabaseTooNewError(file, onDisk, latest);

  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    // FULL: a committed repair order survives a power cut, not only a crash.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    if (onDisk !== null && onDisk > 0 && onDisk < latest && options.backupDir) {
      await createBackup(sqlite, options.backupDir, `before-v${latest}`, options.keepBackups);
    }
    migrate(sqlite);
    const nodeId = ensureNodeId(sqlite);
    const db = new Kysely<WorkspaceDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    // Checkpoints run on a worker thread, not inside a commit (src-shared/db/wal-checkpoint.ts).
    // A catch-up's pages hold them back altogether; once its last page is in, the worker copies
    // what they left.
    const wal = keepWal(sqlite, file);
    let heldBack = false;
    const store = await WorkspaceStore.open(db, nodeId, {
      applyChanges: sqliteChangeApplier(sqlite),
      // Only for pages pulled from the relay, whose cursor commits with them: a power cut may
      // undo such a page whole, and the desk then pulls it again. Its own writes stay FULL.
      // While a catch-up's pages follow one another, the WAL is not checkpointed after each
      // (each checkpoint waits for the disk twice); after the last, a worker checkpoints it all.
      commitWithoutSync: async (transaction, { morePages }) => {
        const holdBack = morePages || heldBack;
        sqlite.pragma('synchronous = NORMAL');
        if (holdBack) sqlite.pragma('wal_autocheckpoint = 0');
        try {
          return await transaction();
        } finally {
          sqlite.pragma('synchronous = FULL');
          if (holdBack) sqlite.pragma(`wal_autocheckpoint = ${wal.autocheckpointPages}`);
          heldBack = morePages;
          if (holdBack && !morePages) wal.checkpoint();
        }
      },
      // Every commit counts toward the checkpoint thread's turn, but a catch-up's pages: their
      // checkpoint comes after the last one.
      afterCommit: () => {
        if (!heldBack) wal.committed();
      },
      // Same connection, same open transaction: the index commits with the change.
      afterApply: async (_trx, touched) => {
        if (touched.has('repair_orders') || touched.has('customers') || touched.has('vehicles')) {
          reindexTouched(sqlite, {
            repair_orders: touched.get('repair_orders'),
            customers: touched.get('customers'),
            vehicles: touched.get('vehicles'),
          }, touched);
        }
      },
    }, { now: options.now });
    // The store calls this after the commit with the same `touched` the index saw inside it.
    store.onChange((touched) => searchIndexCommitted(touched));
    return {
      file,
      sqlite,
      db,
      store,
      nodeId,
      wal,
      async close() {
        await wal.close();
        await db.destroy();
      },
    };
  } catch (err) {
    if (sqlite.open) sqlite.close();
    throw err;
  }
}

function ensureNodeId(sqlite: Database.Database): string {
  const row = sqlite.prepare("SELECT value FROM meta WHERE key = 'node_id'").get() as { value: string } | undefined;
  if (row) return row.value;
  const nodeId = randomBytes(8).toString('hex');
  sqlite.prepare("INSERT INTO meta (key, value) VALUES ('node_id', ?)").run(nodeId);
  return nodeId;
}

/**
 * Gives the database a new node id, so its clock and audit chain never collide with its past
 * self. The old id stays in `node_history`: changes made under it are still this desk's to push.
 */
export function renewNodeId(sqlite: Database.Database): string {
  const nodeId = randomBytes(8).toString('hex');
  const upsert = sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  sqlite.transaction(() => {
    const old = ensureNodeId(sqlite);
    upsert.run('node_history', JSON.stringify([...ownNodeHistory(sqlite), old]));
    upsert.run('node_id', nodeId);
  })();
  return nodeId;
}

/** Node ids this database wrote under before its current one. */
export function ownNodeHistory(sqlite: Database.Database): string[] {
  const row = statement(sqlite, "SELECT value FROM meta WHERE key = 'node_history'").get() as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as string[]) : [];
}
