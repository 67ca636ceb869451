// "Look at this shop again": the loop the relay's background services share (automations,
// scheduling, surveys). A service gives its look at one workspace; the loop runs it when this
// process changed that workspace's data (its own writes, a desk's push it took; another
// PostgreSQL process looks at the changes it took itself) and, on a timer, for every workspace,
// so delays run out without any change and a change whose process died before its look is seen.
// At most one look per workspace at a time; a workspace poked during its look is looked at once
// more afterwards however often it was poked. Different workspaces are looked at side by side,
// but a round of every workspace looks at a few at a time (SWEEP_AT_ONCE): with a thousand shops,
// a thousand looks at once would queue thousands of queries on the shared connection pool ahead of
// every desk's push and every portal page.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { backgroundHeard } from './storage/common.js';
import type { RelayStorage } from './storage/types.js';

export interface WorkspaceLooksOptions {
  /** Names the service in log lines. */
  name: string;
  /** What the service does for one workspace. */
  look: (workspaceId: string) => Promise<void>;
  /** How often every workspace is looked at without a change. */
  pollMs: number;
  /** Said in the log when a look fails (the next change or round tries again). */
  failure: string;
}

/** Looks a round has under way at once. */
export const SWEEP_AT_ONCE = 2;

export class WorkspaceLooks {
  private readonly running = new Map<string, Promise<void>>();
  /** The round under way, if any (the timer does not start another beside it). */
  private sweeping: Promise<void> | null = null;
  private readonly again = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: WorkspaceLooksOptions,
  ) {}

  /** True once close() was called: a long look stops at its next step. */
  get closing(): boolean {
    return this.closed;
  }

  start(): void {
    // A background listener: desks waiting on this change's fan-out are served first.
    this.stopListening = this.storage.onChangesAnnounced((workspaceId) => this.poke(workspaceId), { background: true, ownOnly: true });
    this.timer = setInterval(() => void this.roundIfTaken(), this.options.pollMs);
    this.timer.unref();
    void this.roundIfTaken();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.stopListening?.();
    await this.sweeping?.catch(() => undefined);
    await Promise.allSettled([...this.running.values()]);
  }

  /** A workspace changed: look at it (once more after the current look, if one is under way). Resolves when the look is done. */
  poke(workspaceId: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const current = this.running.get(workspaceId);
    if (current) {
      this.again.add(workspaceId);
      return current;
    }
    const run = this.options
      .look(workspaceId)
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message, workspaceId }, `${this.options.name}: ${this.options.failure}; trying again with the next change`))
      .finally(() => {
        this.running.delete(workspaceId);
        if (this.again.delete(workspaceId)) void this.poke(workspaceId);
      });
    this.running.set(workspaceId, run);
    return run;
  }

  private readonly owner = `relay-${randomUUID()}`;

  /**
   * The timer's round: done by this process only if no process started one within the period
   * (relay/storage/round-records.ts), so several relays make one round per period between them;
   * the same at start (relays started together make one round, not one each).
   */
  private async roundIfTaken(): Promise<void> {
    if (this.sweeping || this.closed) return;
    try {
      if (!(await this.storage.rounds.take(this.options.name, this.options.pollMs, this.owner))) return;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, `${this.options.name}: could not take the round; trying again at the next`);
      return;
    }
    await this.sweepAll();
  }

  /** Looks at every workspace, SWEEP_AT_ONCE at a time (the timer's round; tests call it to run out delays). Resolves when the round is done. */
  sweepAll(): Promise<void> {
    // A round asked for during another runs after it, so it sees what changed meanwhile.
    const round: Promise<void> = (this.sweeping ?? Promise.resolve()).then(() => this.sweepOnce());
    this.sweeping = round;
    void round.finally(() => {
      if (this.sweeping === round) this.sweeping = null;
    });
    return round;
  }

  private async sweepOnce(): Promise<void> {
    if (this.closed) return;
    let ids: string[];
    try {
      ids = (await this.storage.listWorkspaces()).map((w) => w.id);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, `${this.options.name}: could not list the shops for a round; trying again shortly`);
      return;
    }
    let next = 0;
    const worker = async () => {
      while (next < ids.length && !this.closed) await this.poke(ids[next++]!);
    };
    await Promise.all(Array.from({ length: SWEEP_AT_ONCE }, worker));
  }

  /** Settles: waits until no look is under way or due (tests). */
  async idle(): Promise<void> {
    await backgroundHeard();
    // A round pokes its shops two at a time: between two looks nothing may be running while shops remain.
    while (this.running.size > 0 || this.sweeping) {
      await this.sweeping?.catch(() => undefined);
      await Promise.allSettled([...this.running.values()]);
    }
  }
}
