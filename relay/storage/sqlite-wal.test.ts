// A SQLite relay's workspace file: no push or write copies the WAL back into the file inside its
// commit (SQLite's inline checkpoint would, every 1,000 pages); the checkpoint thread does, every
// COMMITS_PER_CHECKPOINT commits, while the relay goes on. Closing the storage waits for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMITS_PER_CHECKPOINT } from '../../src-shared/db/wal-checkpoint.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { openSqliteStorage } from './sqlite.js';
import type { RelayStorage } from './types.js';

async function writeNotes(store: WorkspaceStore, n: number): Promise<void> {
  await store.write({ actor: 'system', action: 'notes', summary: 'Notes' }, async (tx) => {
    for (let i = 0; i < 20; i++) await tx.insert('notes', { ro_id: 'ro-1', body: `Relay note ${n}.${i}: the customer asked about the rental car.` });
  });
}

describe("a SQLite relay's checkpoints", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('run on the checkpoint thread every so many commits, never inside one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-relay-wal-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    let storage: RelayStorage | null = await openSqliteStorage(dir);
    cleanups.push(async () => storage?.close());
    const workspace = await storage.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' });
    const store = await storage.workspaceStore(workspace.id);
    const file = path.join(dir, 'workspaces', `${workspace.id}.sqlite`);
    const size = () => fs.statSync(file).size;

    const before = size();

    // Half a turn's writes on a new workspace: well past SQLite's 1,000 pages, and the file has
    // not grown (no commit copied the WAL in).
    let n = 0;
    for (; n < COMMITS_PER_CHECKPOINT / 2; n++) await writeNotes(store, n);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(1000 * 4096);
    expect(size()).toBe(before);

    // The turn comes within the next half: the thread copies the pages in while the relay goes on.
    for (; n < COMMITS_PER_CHECKPOINT * 1.5; n++) await writeNotes(store, n);
    for (const deadline = Date.now() + 10_000; size() === before; ) {
      if (Date.now() > deadline) throw new Error('the checkpoint thread did not copy the WAL in');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(size()).toBeGreaterThan(before + 1024 * 1024);

    await storage.close();
    storage = null;
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  }, 60_000);
});
