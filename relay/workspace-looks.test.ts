// The background services' loop over shops: a round looks at every shop a few at a time (so a
// relay with a thousand shops does not queue a thousand shops' queries ahead of desks and the
// portal), a change this process made is looked at at once even during a round, and a round asked
// for during another runs after it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from './storage/sqlite.js';
import type { RelayStorage } from './storage/types.js';
import { SWEEP_AT_ONCE, WorkspaceLooks } from './workspace-looks.js';

const quiet = Fastify({ logger: false }).log;

describe('WorkspaceLooks', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups.length = 0;
  });

  async function shops(count: number): Promise<{ storage: RelayStorage; ids: string[] }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-looks-'));
    const storage = await openSqliteStorage(dir);
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => storage.close());
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await storage.createWorkspace({ slug: `shop-${i}`, name: `Shop ${i}` })).id);
    return { storage, ids };
  }

  it('a round looks at every shop once, never more than a few at a time, and resolves when all are done', async () => {
    const { storage, ids } = await shops(12);
    let now = 0;
    let most = 0;
    const looked: string[] = [];
    const looks = new WorkspaceLooks(storage, quiet, {
      name: 'test',
      pollMs: 3_600_000,
      failure: 'failed',
      look: async (id) => {
        now += 1;
        most = Math.max(most, now);
        await new Promise((r) => setTimeout(r, 15));
        looked.push(id);
        now -= 1;
      },
    });
    cleanups.push(() => looks.close());
    await looks.sweepAll();
    expect([...looked].sort()).toEqual([...ids].sort());
    expect(most).toBe(SWEEP_AT_ONCE);
  });

  it("a change this process made is looked at at once, not after the round's queue of shops", async () => {
    const { storage, ids } = await shops(10);
    const order: string[] = [];
    const looks = new WorkspaceLooks(storage, quiet, {
      name: 'test',
      pollMs: 3_600_000,
      failure: 'failed',
      look: async (id) => {
        order.push(id);
        await new Promise((r) => setTimeout(r, 20));
      },
    });
    looks.start(); // the first round starts at once
    cleanups.push(() => looks.close());
    await new Promise((r) => setTimeout(r, 5));
    const last = ids.at(-1)!;
    await storage.announceChanges(last);
    await new Promise((r) => setTimeout(r, 30));
    // Heard two event-loop turns after the announcement, while the round was still on its first shops.
    expect(order.indexOf(last)).toBeLessThan(SWEEP_AT_ONCE + 2);
    await looks.idle();
  });

  it('a round asked for during another runs after it (a test running out a delay sees a whole round)', async () => {
    const { storage, ids } = await shops(4);
    const starts: number[] = [];
    const looks = new WorkspaceLooks(storage, quiet, {
      name: 'test',
      pollMs: 3_600_000,
      failure: 'failed',
      look: async () => {
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 10));
      },
    });
    cleanups.push(() => looks.close());
    const first = looks.sweepAll();
    const firstDone = first.then(() => performance.now());
    await looks.sweepAll();
    const t = await firstDone;
    expect(starts.filter((s) => s < t)).toHaveLength(ids.length);
    expect(starts.filter((s) => s >= t)).toHaveLength(ids.length);
  });
});
