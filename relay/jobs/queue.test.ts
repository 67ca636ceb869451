// The PostgreSQL job queue on its own, on a fresh database: several relay processes (here four
// queues on separate pools) starting at the same moment all get their worker, the first time the
// schema and the queue are made; a key keeps one waiting job; a job that throws is tried again; a
// job is done by one of the processes, once.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { PgBossJobQueue } from './queue.js';

const OPTIONS = { expireInSeconds: 30, retryLimit: 3, retryDelay: 1, pollingIntervalSeconds: 0.5 };

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the PostgreSQL job queue', () => {
  const databases: TestDatabase[] = [];
  const pools: pg.Pool[] = [];
  const queues: PgBossJobQueue[] = [];
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.stop(2000).catch(() => undefined)));
    await Promise.all(pools.map((p) => p.end()));
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('four processes starting at once on a new database each get a worker; each job runs once, a throwing one again', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const done: Array<{ key: string; by: number }> = [];
    const tries = new Map<string, number>();
    const made = Array.from({ length: 4 }, () => {
      const pool = new pg.Pool({ connectionString: db.url, max: 4 });
      // Dropping the database at the end ends connections pg-boss still had open: expected here.
      pool.on('error', () => undefined);
      pools.push(pool);
      const queue = new PgBossJobQueue(pool, { maintenanceIntervalSeconds: 1 });
      queues.push(queue);
      return queue;
    });
    await Promise.all(
      made.map((queue, by) =>
        queue.define<{ key: string }>('work', OPTIONS, async ({ key }) => {
          tries.set(key, (tries.get(key) ?? 0) + 1);
          if (key === 'flaky' && tries.get(key) === 1) throw new Error('the first try fails');
          done.push({ key, by });
        }),
      ),
    );
    const keys = Array.from({ length: 40 }, (_, i) => `job-${i}`);
    const queued = await Promise.all(keys.map((key, i) => made[i % 4]!.enqueue('work', key, { key })));
    expect(queued.every(Boolean)).toBe(true);
    expect(await made[0]!.enqueue('work', 'flaky', { key: 'flaky' })).toBe(true);
    await until('every job done', () => done.length >= keys.length + 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(done.map((d) => d.key).sort()).toEqual([...keys, 'flaky'].sort());
    expect(tries.get('flaky')).toBe(2);
  }, 120_000);

  it('keeps one waiting job per key', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    pools.push(pool);
    const queue = new PgBossJobQueue(pool);
    queues.push(queue);
    // No worker takes it yet: a long poll and a handler that waits.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await queue.define<{ n: number }>('held', { ...OPTIONS, pollingIntervalSeconds: 30 }, async () => gate);
    expect(await queue.enqueue('held', 'one', { n: 1 })).toBe(true);
    expect(await queue.enqueue('held', 'one', { n: 2 })).toBe(false);
    expect(await queue.enqueue('held', 'two', { n: 3 })).toBe(true);
    release();
  }, 60_000);
});
