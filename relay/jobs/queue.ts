// Durable work for the relay, behind one small interface.
//
// On PostgreSQL the work goes through pg-boss (schema `pgboss` in the relay's database, through
// the relay's own operator pool): any relay process on that database may take a job, a job a
// dead process had taken is taken again once its time runs out (`expireInSeconds`), and a job
// that throws is tried again (`retryLimit`, `retryDelay`). A key (`singletonKey`, policy
// 'short') keeps at most one waiting job per piece of work, so several relays noticing the same
// text queue it once.
//
// On SQLite one process owns the data, so there is nobody to share with: a job is run at once in
// this process, and the work's own table (e.g. `sms_sends`) is what survives a crash.
//
// Either way a job may run more than once (a retry, a taken-again job): handlers must make a
// second run harmless themselves (the texts: the claim row in `sms_sends`).
import PgBoss from 'pg-boss';

export interface JobOptions {
  /** How long a started job may run before another process may take it again (seconds). */
  expireInSeconds: number;
  /** How many times a job that throws (or whose process died) is tried again. */
  retryLimit: number;
  /** Seconds between tries. */
  retryDelay: number;
  /** Jobs a process takes in one fetch (worked one after the other). */
  batchSize?: number;
  /** How often an idle process looks for work (seconds, at least 0.5). */
  pollingIntervalSeconds?: number;
  /** The process that queues a job looks for work at once (instead of at its next poll). */
  wakeOnEnqueue?: boolean;
  /** Jobs this process works side by side (each a worker of its own; default 1). */
  workers?: number;
}

export type JobHandler<T> = (data: T) => Promise<void>;

export interface JobQueue {
  /** 'pg-boss' shares work between processes; 'inline' runs it at once in this process. */
  readonly kind: 'pg-boss' | 'inline';
  /** Declares a queue and this process's worker for it. Call once per name, before `enqueue`. */
  define<T extends object>(name: string, options: JobOptions, handler: JobHandler<T>): Promise<void>;
  /**
   * Queues one piece of work under `key`. False when a job with that key is already waiting
   * (another process or an earlier look queued it). Inline: runs it now and returns true.
   */
  enqueue<T extends object>(name: string, key: string, data: T): Promise<boolean>;
  /** Counts of jobs by state (pg-boss only; inline has none). */
  counts(name: string): Promise<Record<string, number>>;
  /** Stops taking work; jobs under way in this process are let finish (up to `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/** Runs each job at once in the caller's process (SQLite relays). */
export class InlineJobQueue implements JobQueue {
  readonly kind = 'inline' as const;
  private readonly handlers = new Map<string, JobHandler<object>>();

  async define<T extends object>(name: string, _options: JobOptions, handler: JobHandler<T>): Promise<void> {
    this.handlers.set(name, handler as JobHandler<object>);
  }

  async enqueue<T extends object>(name: string, _key: string, data: T): Promise<boolean> {
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`No job queue named "${name}" was defined in this relay process`);
    await handler(data);
    return true;
  }

  async counts(): Promise<Record<string, number>> {
    return {};
  }

  async stop(): Promise<void> {}
}

/** What pg-boss needs of a database: one statement (or a multi-statement text) at a time. */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** PostgreSQL's answers when two processes create the same thing at once. */
const MET = new Set(['40P01', '40001', '23505', '42P07', '42710']);

async function retryWhenRelaysMeet<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await work();
    } catch (err) {
      if (i >= attempts || !MET.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * i));
    }
  }
}

/** pg-boss on the relay's PostgreSQL database, started on first use. */
export class PgBossJobQueue implements JobQueue {
  readonly kind = 'pg-boss' as const;
  private boss: PgBoss | null = null;
  private starting: Promise<PgBoss> | null = null;
  private stopped = false;
  /** This process's worker per queue, for the queues that wake on enqueue. */
  private readonly wakeWorkers = new Map<string, string[]>();
  /** Handler batches and pg-boss's own statements under way: `stop` waits for them before the pool may close. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Set once `stop` is done: pg-boss's late statements (after its stop timeout) are then dropped, not run on a closed pool. */
  private detached = false;

  constructor(
    private readonly pool: SqlRunner,
    private readonly options: { maintenanceIntervalSeconds?: number; onError?: (err: Error) => void } = {},
  ) {}

  private start(): Promise<PgBoss> {
    if (this.stopped) return Promise.reject(new Error('The job queue is stopped'));
    this.starting ??= (async () => {
      const boss = new PgBoss({
        db: {
          executeSql: (text: string, values: unknown[]) => {
            // A job left active this way expires and is handed to a relay again (the handlers are idempotent).
            if (this.detached) return Promise.resolve({ rows: [] });
            return this.track(this.pool.query(text, values) as Promise<{ rows: unknown[] }>);
          },
        },
        schema: 'pgboss',
        // Expired jobs (their process died) are handed back this often.
        maintenanceIntervalSeconds: this.options.maintenanceIntervalSeconds ?? 30,
        schedule: false,
      });
      boss.on('error', (err: Error) => this.options.onError?.(err));
      // Creates (or upgrades) the schema once, under pg-boss's own advisory lock.
      await boss.start();
      this.boss = boss;
      return boss;
    })();
    return this.starting;
  }

  async define<T extends object>(name: string, options: JobOptions, handler: JobHandler<T>): Promise<void> {
    const boss = await this.start();
    // createQueue keeps an existing queue as it is (another relay made it first). Two relays
    // starting at the same moment can meet inside it (a deadlock, or the other's table already
    // there): the loser waits a moment and asks again, and then finds the queue made.
    await retryWhenRelaysMeet(() => boss.createQueue(name, { name, policy: 'short', expireInSeconds: options.expireInSeconds, retryLimit: options.retryLimit, retryDelay: options.retryDelay }));
    const work = () => boss.work<T>(name, { batchSize: options.batchSize ?? 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, (jobs) => this.track(batch(jobs)));
    const batch = async (jobs: Array<{ id: string; data: T }>) => {
      // One after the other; one that throws is failed on its own (retried), the others complete.
      const failed: string[] = [];
      for (const job of jobs) {
        try {
          await handler(job.data);
        } catch (err) {
          failed.push(job.id);
          this.options.onError?.(err as Error);
        }
      }
      if (failed.length > 0) {
        await boss.fail(name, failed);
        const done = jobs.map((j) => j.id).filter((id) => !failed.includes(id));
        if (done.length > 0) await boss.complete(name, done);
        // Completing here and resolving: pg-boss then finds nothing active left to complete.
      }
    };
    const ids: string[] = [];
    for (let n = 0; n < Math.max(1, options.workers ?? 1); n++) ids.push(await work());
    if (options.wakeOnEnqueue) this.wakeWorkers.set(name, ids);
  }

  async enqueue<T extends object>(name: string, key: string, data: T): Promise<boolean> {
    const boss = await this.start();
    const queued = (await boss.send(name, data, { singletonKey: key })) !== null;
    if (queued) for (const id of this.wakeWorkers.get(name) ?? []) boss.notifyWorker(id);
    return queued;
  }

  async counts(name: string): Promise<Record<string, number>> {
    const { rows } = await this.pool.query('SELECT state::text AS state, count(*)::int AS n FROM pgboss.job WHERE name = $1 GROUP BY state', [name]);
    return Object.fromEntries((rows as Array<{ state: string; n: number }>).map((r) => [r.state, r.n]));
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    const boss = this.starting ? await this.starting.catch(() => null) : null;
    if (!boss) return;
    // Our pool is the relay's: pg-boss must not close it. Jobs under way are let finish; any
    // still running after the timeout are failed, so they are tried again.
    await boss.stop({ close: false, graceful: true, timeout: timeoutMs, wait: true }).catch((err: unknown) => this.options.onError?.(err as Error));
    // pg-boss stops waiting after its timeout, but a handler may still be running and its job's
    // completion still to be written: wait for those (bounded) before the relay closes the pool.
    const until = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < until) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, Math.max(1, until - Date.now())))]);
      await new Promise((r) => setImmediate(r));
    }
    this.detached = true;
  }

  private track<R>(promise: Promise<R>): Promise<R> {
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

/** How often pg-boss hands back jobs whose process died (`BAYLINE_JOBS_MAINTENANCE_SECONDS`, default 30). */
export function jobMaintenanceSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BAYLINE_JOBS_MAINTENANCE_SECONDS;
  if (raw === undefined || raw === '') return 30;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new Error(`BAYLINE_JOBS_MAINTENANCE_SECONDS must be a whole number of seconds from 1 to 3600, not "${raw}"`);
  return n;
}
