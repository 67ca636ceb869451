// The desk's WAL checkpoints run on a worker thread, not inside its commits: after a catch-up's
// last page (whose commit returns without copying the WAL back into the database file), and
// every COMMITS_PER_CHECKPOINT of the desk's own writes; closing the desk waits for them. Real
// SQLite files, the real worker thread, a desk's real log applied in the client's pages.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Change } from '../../src-shared/sync/change.js';
import { SYNC_PAGE } from '../../src-shared/sync/protocol.js';
import { Desk } from '../desk.js';
import { tempDir } from '../testing/temp-desk.js';
import { checkpointInWorker, COMMITS_PER_CHECKPOINT, SAFETY_PAGES } from '../../src-shared/db/wal-checkpoint.js';

const open: Desk[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function deskAt(dir: string): Promise<Desk> {
  const desk = await Desk.open({ dataDir: dir, sync: false });
  open.push(desk);
  return desk;
}

/** One write of twenty notes on `desk` (about 30 pages of WAL). */
async function writeNotes(desk: Desk): Promise<void> {
  const roId = (desk.sqlite.prepare('SELECT id FROM repair_orders LIMIT 1').pluck().get() as string | undefined) ?? 'some-ro';
  await desk.store.write({ actor: 'system', action: 'notes', summary: 'Notes', roId }, async (tx) => {
    for (let n = 0; n < 20; n++) {
      await tx.insert('notes', { ro_id: roId, body: `Customer called about the rental, note ${n}.`, at: new Date().toISOString(), staff_id: null });
    }
  });
}

/** About `target` changes of notes written on a desk of their own, as the relay's log would hold them. */
async function shopLog(target: number): Promise<Change[]> {
  const a = await Desk.open({ dataDir: tempDir(), sync: false });
  try {
    while ((a.sqlite.prepare('SELECT count(*) FROM changes').pluck().get() as number) < target) await writeNotes(a);
    return (await a.store.changesSince(0, { limit: 1_000_000 })).changes.map(({ seq: _seq, ...c }) => c);
  } finally {
    await a.close();
  }
}

/** Applies `changes` in the sync client's pages; `morePagesAfter`: the catch-up goes on after them. */
async function catchUp(desk: Desk, changes: Change[], options: { morePagesAfter?: boolean } = {}): Promise<void> {
  for (let i = 0; i < changes.length; i += SYNC_PAGE) {
    await desk.store.applyRemote(changes.slice(i, i + SYNC_PAGE), {
      meta: { 'sync:pull_cursor': String(i) },
      durable: false,
      morePages: options.morePagesAfter === true || i + SYNC_PAGE < changes.length,
    });
  }
}

/** Queues a checkpoint of another database with a large WAL on the checkpoint thread (tens of ms of copying). */
function busyThread(): Promise<unknown> {
  const file = path.join(tempDir(), 'other.sqlite');
  const other = new Database(file);
  other.pragma('journal_mode = WAL');
  other.pragma('wal_autocheckpoint = 0');
  other.exec('CREATE TABLE filler (body TEXT)');
  const insert = other.prepare('INSERT INTO filler (body) VALUES (?)');
  other.transaction(() => {
    for (let i = 0; i < 40_000; i++) insert.run(`${i} `.repeat(200));
  })();
  return checkpointInWorker(file).finally(() => other.close());
}

const notesIn = (file: string) => {
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return reader.prepare('SELECT count(*) FROM notes').pluck().get() as number;
  } finally {
    reader.close();
  }
};

describe('the checkpoint a catch-up held back', () => {
  it('runs on a worker after the last page: the page returns first, the file then holds every page', async () => {
    const changes = await shopLog(3 * SYNC_PAGE);
    const b = await deskAt(tempDir());
    const file = b.workspace.file;
    const before = fs.statSync(file).size;
    const done = b.workspace.wal.checkpointsDone;

    // The checkpoint thread takes one file at a time: a large WAL of another database queued
    // first keeps it busy while the last page returns, so what the file holds then is what the
    // page's own commit wrote into it (a checkpoint inside the commit would have grown it).
    const lastPage = Math.floor((changes.length - 1) / SYNC_PAGE) * SYNC_PAGE;
    const counted = b.workspace.wal.commitsSinceCheckpoint;
    await catchUp(b, changes.slice(0, lastPage), { morePagesAfter: true });
    expect(fs.statSync(file).size).toBe(before);
    // Pages that more follow are not counted toward the thread's turn: their checkpoint comes after the last.
    expect(b.workspace.wal.commitsSinceCheckpoint).toBe(counted);
    // SQLite's own threshold between pages, as if nothing kept it higher: a last page that did
    // not hold checkpoints back would copy the WAL inside its commit.
    b.sqlite.pragma('wal_autocheckpoint = 1000');
    const busy = busyThread();
    await catchUp(b, changes.slice(lastPage));
    const atLastPage = fs.statSync(file).size;
    await busy;
    await b.workspace.wal.settled();
    const afterWorker = fs.statSync(file).size;

    // Nothing of the catch-up had been copied into the file when its last page returned (the
    // WAL held it all: several MB); the worker then copied it in, in one checkpoint.
    expect(atLastPage - before).toBeLessThan(64 * 1024);
    expect(afterWorker - before).toBeGreaterThan(1024 * 1024);
    expect(b.workspace.wal.checkpointsDone).toBe(done + 1);
    expect(b.workspace.wal.lastCheckpoint!.checkpointed).toBe(b.workspace.wal.lastCheckpoint!.log);
    const notes = changes.filter((c) => c.table === 'notes' && c.column === 'body').length;
    expect(b.sqlite.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(notes);
    // The desk's own connection goes on writing after it, durably, with the usual checkpoints.
    expect(b.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    expect(b.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_PAGES);
  }, 60_000);

  it("the desk's own writes: none of them copies the WAL back; the worker does, every so many commits", async () => {
    const desk = await deskAt(tempDir());
    const file = desk.workspace.file;
    await writeNotes(desk);
    await desk.workspace.wal.settled();
    const before = fs.statSync(file).size;
    const done = desk.workspace.wal.checkpointsDone;
    // Every commit of the store counts, rows or not (a sync cursor alone, say).
    const counted = desk.workspace.wal.commitsSinceCheckpoint;
    await desk.store.writeMeta({ 'test:cursor': '42' });
    expect(desk.workspace.wal.commitsSinceCheckpoint).toBe(counted + 1);
    // Enough writes to pass SQLite's inline threshold (1,000 pages) several times over, one short
    // of the worker's turn: the file has not grown.
    const short = COMMITS_PER_CHECKPOINT - desk.workspace.wal.commitsSinceCheckpoint - 1;
    expect(short).toBeGreaterThan(90);
    for (let i = 0; i < short; i++) await writeNotes(desk);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(3 * 1000 * 4096);
    expect(fs.statSync(file).size).toBe(before);
    expect(desk.workspace.wal.checkpointsDone).toBe(done);
    // The next write is the turn: the write returns, then the worker copies the pages in.
    await writeNotes(desk);
    await desk.workspace.wal.settled();
    expect(desk.workspace.wal.checkpointsDone).toBe(done + 1);
    expect(fs.statSync(file).size).toBeGreaterThan(before + 1024 * 1024);
    expect(desk.sqlite.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(20 * (short + 2));
  }, 60_000);

  it('closing the desk right after the last page waits for the checkpoint and loses nothing', async () => {
    const changes = await shopLog(2 * SYNC_PAGE);
    const dir = tempDir();
    const b = await Desk.open({ dataDir: dir, sync: false });
    const file = b.workspace.file;
    await catchUp(b, changes);
    await b.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(notesIn(file)).toBe(changes.filter((c) => c.table === 'notes' && c.column === 'body').length);
  }, 60_000);
});
