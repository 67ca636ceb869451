// Online backups through SQLite's backup API (the desk keeps working while one runs), pruning
// to the newest N, and restoring one over the workspace file.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const DEFAULT_KEEP_BACKUPS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface BackupFile {
  file: string;
  name: string;
  createdAt: string;
  reason: string;
  sizeBytes: number;
}

const NAME_PATTERN = /^backup-(\d{8}T\d{9}Z)-([a-z0-9-]+)\.sqlite$/;

function stampOf(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

function parseStamp(stamp: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp)!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
}

export function listBackups(dir: string): BackupFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, m: NAME_PATTERN.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => {
      const file = path.join(dir, name);
      return { file, name, createdAt: parseStamp(m[1]!), reason: m[2]!, sizeBytes: fs.statSync(file).size };
    })
    .sort((a, b) => (a.name < b.name ? 1 : -1));
}

export async function createBackup(
  sqlite: Database.Database,
  dir: string,
  reason: string,
  keep = DEFAULT_KEEP_BACKUPS,
): Promise<BackupFile> {
  fs.mkdirSync(dir, { recursive: true });
  let now = new Date();
  // Two backups in the same millisecond would share a name; the later one waits a tick.
  while (fs.existsSync(path.join(dir, `backup-${stampOf(now)}-${reason}.sqlite`))) now = new Date(now.getTime() + 1);
  const name = `backup-${stampOf(now)}-${reason}.sqlite`;
  const target = path.join(dir, name);
  const partial = `${target}.partial`;
  await sqlite.backup(partial);
  fs.renameSync(partial, target);
  for (const old of listBackups(dir).slice(Math.max(1, keep))) fs.rmSync(old.file, { force: true });
  return listBackups(dir).find((b) => b.name === name)!;
}

/** Makes the daily backup if the newest one is a day old or there is none. */
export async function backupIfDue(sqlite: Database.Database, dir: string, keep = DEFAULT_KEEP_BACKUPS): Promise<BackupFile | null> {
  const newest = listBackups(dir)[0];
  if (newest && Date.now() - Date.parse(newest.createdAt) < DAY_MS) return null;
  return createBackup(sqlite, dir, 'daily', keep);
}

export class BackupUnusableError extends Error {
  readonly code = 'backup-unusable';
}

/**
 * Replaces the workspace file with a backup. The desk must be closed. The current file is kept
 * as a "before-restore" backup first, so a restore can itself be undone.
 */
export async function restoreBackup(dbFile: string, backupFile: string, backupDir: string): Promise<void> {
  const probe = new Database(backupFile, { readonly: true, fileMustExist: true });
  try {
    const check = probe.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupUnusableError(`${backupFile} is damaged (${String(check)}); pick another backup.`);
  } finally {
    probe.close();
  }
  if (fs.existsSync(dbFile)) {
    const current = new Database(dbFile);
    try {
      await createBackup(current, backupDir, 'before-restore', Number.MAX_SAFE_INTEGER);
    } finally {
      current.close();
    }
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(dbFile + suffix, { force: true });
  const staging = `${dbFile}.restoring`;
  fs.copyFileSync(backupFile, staging);
  fs.renameSync(staging, dbFile);
}
