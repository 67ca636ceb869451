// The checkpoint thread and the keeper, on real SQLite files: a checkpoint copies every frame in;
// a keeper whose thread cannot reach the file goes back to SQLite's inline checkpoints at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointInWorker, keepWal, SAFETY_PAGES, SQLITE_AUTOCHECKPOINT } from './wal-checkpoint.js';

describe('WAL checkpoints on the checkpoint thread', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  const database = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-wal-'));
    const file = path.join(dir, 'shop.sqlite');
    const sqlite = new Database(file);
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => sqlite.close());
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    return { file, sqlite };
  };

  it('copies every frame of the WAL into the file, and the rows read the same', async () => {
    const { file, sqlite } = database();
    sqlite.pragma('wal_autocheckpoint = 0');
    const insert = sqlite.prepare('INSERT INTO notes (body) VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run(`note ${i} `.repeat(20));
    const result = await checkpointInWorker(file);
    expect(result.log).toBeGreaterThan(100);
    expect(result.checkpointed).toBe(result.log);
    expect(fs.statSync(file).size).toBeGreaterThan(2000 * 100);
    expect(sqlite.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(2000);
  });

  it('names the file it could not checkpoint', async () => {
    const missing = path.join(os.tmpdir(), `bayline-gone-${process.pid}.sqlite`);
    await expect(checkpointInWorker(missing)).rejects.toThrow(/^could not checkpoint .*bayline-gone-\d+\.sqlite: unable to open database file/);
  });

  it('a keeper whose thread cannot reach the file hands checkpoints back to SQLite, inline, from then on', async () => {
    const { sqlite } = database();
    const wal = keepWal(sqlite, path.join(os.tmpdir(), `bayline-elsewhere-${process.pid}.sqlite`), { commitsPerCheckpoint: 2 });
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_PAGES);
    wal.committed();
    wal.committed();
    await wal.settled();
    expect(wal.autocheckpointPages).toBe(SQLITE_AUTOCHECKPOINT);
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_AUTOCHECKPOINT);
  });

  it('a checkpoint asked for while one runs follows it, and a closed keeper asks for nothing more', async () => {
    const { file, sqlite } = database();
    const wal = keepWal(sqlite, file);
    const insert = sqlite.prepare('INSERT INTO notes (body) VALUES (?)');
    const fill = (n: number) => sqlite.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(`note ${i} `.repeat(40));
    })();
    fill(5000);
    wal.checkpoint();
    fill(500);
    wal.checkpoint(); // the first still runs: this one waits its turn, then copies the newer frames too
    await wal.settled();
    expect(wal.checkpointsDone).toBe(2);
    expect(wal.lastCheckpoint!.checkpointed).toBe(wal.lastCheckpoint!.log);

    await wal.close();
    fill(10);
    wal.checkpoint();
    for (let i = 0; i < 5; i++) wal.committed();
    await wal.settled();
    expect(wal.checkpointsDone).toBe(2);
  });
});
