// "Look at this workspace again": workspaces marked when their data changes (this process's
// writes, a desk's push, or another PostgreSQL process's NOTIFY) and, on a timer, all of them;
// one look at a time, each workspace once per round however often it was marked. A service gives
// its look as `scan`. (The texting, scheduling and e-signature services keep loops of their own
// written before this one; they could move onto it.)
import type { FastifyBaseLogger } from 'fastify';
import type { RelayStorage } from '../storage/types.js';

export class DirtyWorkspaces {
  private readonly dirty = new Set<string>();
  private scanning: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly name: string,
    private readonly scan: (workspaceId: string) => Promise<void>,
    private readonly pollMs: number,
  ) {}

  start(): void {
    this.stopListening = this.storage.onChangesAnnounced((workspaceId) => this.mark(workspaceId), { background: true });
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
    void this.tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.stopListening?.();
    await this.scanning?.catch(() => undefined);
  }

  mark(workspaceId: string): void {
    this.dirty.add(workspaceId);
    if (!this.closed) void this.run();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      for (const w of await this.storage.listWorkspaces()) this.dirty.add(w.id);
      await this.run();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, `${this.name}: periodic look failed; trying again shortly`);
    }
  }

  /** Works until no workspace is marked; a call while working returns the same promise. */
  run(): Promise<void> {
    if (this.scanning) return this.scanning;
    this.scanning = (async () => {
      await Promise.resolve();
      try {
        while (this.dirty.size > 0 && !this.closed) {
          const [workspaceId] = this.dirty;
          this.dirty.delete(workspaceId!);
          await this.scan(workspaceId!).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, `${this.name}: a look at a shop failed; trying again with the next change`));
        }
      } finally {
        this.scanning = null;
        // Marked between the last look and here: look again.
        if (this.dirty.size > 0 && !this.closed) void this.run();
      }
    })();
    return this.scanning;
  }
}
