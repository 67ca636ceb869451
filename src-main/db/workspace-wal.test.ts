// The desk's WAL checkpoints run on a worker thread, not inside its commits: after a catch-up's
// last page (whose commit returns without copying the WAL back into the database file), and
// every COMMITS_PER_CHECKPOINT of the desk's own writes; closing the desk waits for them. Real
// SQLite files, the real worker thread, a desk's real log applied in the client's pages.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Change } from '../../src-shared/sync/change.js';
import { SYNC_PAGE } from '../../src-shared/sync/protocol.js';
import { Desk } from '../desk.js';
import { tempDir } from '../testing/temp-desk.js';
import { COMMITS_PER_CHECKPOINT, SAFETY_PAGES } from '../../src-shared/db/wal-checkpoint.js';

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

async function catchUp(desk: Desk, changes: Change[]): Promise<void> {
  for (let i = 0; i < changes.length; i += SYNC_PAGE) {
    await desk.store.applyRemote(changes.slice(i, i + SYNC_PAGE), {
      meta: { 'sync:pull_cursor': String(i) },
      durable: false,
      morePages: i + SYNC_PAGE < changes.length,
    });
  }
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

    await catchUp(b, changes);
    const atLastPage = fs.statSync(file).size;
    await b.workspace.settled();
    const afterWorker = fs.statSync(file).size;

    // Nothing of the catch-up had been copied into the file when its last page returned (the
    // WAL held it all: several MB); the worker then copied it in.
    expect(atLastPage - before).toBeLessThan(64 * 1024);
    expect(afterWorker - before).toBeGreaterThan(1024 * 1024);
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
    await desk.workspace.settled();
    const before = fs.statSync(file).size;
    // Enough writes to pass SQLite's inline threshold (1,000 pages) several times over, one short
    // of the worker's turn: the file has not grown.
    for (let i = 1; i < COMMITS_PER_CHECKPOINT - 1; i++) await writeNotes(desk);
    const wal = fs.statSync(`${file}-wal`).size;
    expect(wal).toBeGreaterThan(3 * 1000 * 4096);
    expect(fs.statSync(file).size).toBe(before);
    // The next write is the turn: the write returns, then the worker copies the pages in.
    await writeNotes(desk);
    await desk.workspace.settled();
    expect(fs.statSync(file).size).toBeGreaterThan(before + 1024 * 1024);
    expect(desk.sqlite.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(20 * COMMITS_PER_CHECKPOINT);
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
