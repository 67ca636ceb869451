// Push for IMAP mailboxes: one long-lived connection per mailbox this relay holds the lease of,
// IDLE on INBOX, and "look now" (the service's catch-up) whenever the server says a message
// arrived, and once after every (re)connection for what came while it was away. A dropped
// connection comes back with a growing pause (1 s, 2 s, 4 s … at most a minute); a refused
// password ends it (the next poll shows "Reconnect the mailbox"). A connection the service stops
// keeping (another relay took the lease, the mailbox was disconnected) ends after the hold time,
// and all of them end when the relay closes. Polling stays on underneath as the safety net.
import type { ImapFlow } from 'imapflow';
import { imapClient, type ImapSecret, type Timeouts } from './settings.js';

interface WatcherOptions {
  catchUp: (mailboxId: string) => Promise<unknown>;
  holdMs: number;
  timeouts: Timeouts;
}

class Watcher {
  holdUntil = 0;
  private client: ImapFlow | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private catching = false;
  private again = false;
  /** True while the IDLE connection is up (tests read it). */
  listening = false;

  constructor(
    readonly mailboxId: string,
    readonly key: string,
    private readonly secret: ImapSecret,
    private readonly options: WatcherOptions,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.retry = null;
    if (this.stopped) return;
    const client = imapClient(this.secret, { connectMs: this.options.timeouts.connectMs, socketMs: 5 * 60_000 }, { disableAutoIdle: false, autoIdleDelay: 20, maxIdleTime: 2 * 60_000 });
    this.client = client;
    client.on('exists', () => this.changed());
    client.on('close', () => {
      this.listening = false;
      if (this.client === client) {
        this.client = null;
        this.later();
      }
    });
    try {
      await client.connect();
      await client.mailboxOpen('INBOX', { readOnly: true });
      if (this.stopped) {
        await this.end(client);
        return;
      }
      this.failures = 0;
      this.listening = true;
      this.changed();
    } catch (err) {
      if ((err as { authenticationFailed?: boolean }).authenticationFailed) this.stopped = true;
      if (this.client === client) this.client = null;
      client.close();
      this.later();
    }
  }

  private later(): void {
    if (this.stopped || this.retry) return;
    const pause = Math.min(60_000, 1000 * 2 ** Math.min(this.failures, 6));
    this.failures += 1;
    this.retry = setTimeout(() => void this.connect(), pause);
    this.retry.unref();
  }

  private changed(): void {
    if (this.stopped) return;
    if (this.catching) {
      this.again = true;
      return;
    }
    this.catching = true;
    void (async () => {
      do {
        this.again = false;
        await this.options.catchUp(this.mailboxId).catch(() => undefined);
      } while (this.again && !this.stopped);
      this.catching = false;
    })();
  }

  private async end(client: ImapFlow): Promise<void> {
    const timer = setTimeout(() => client.close(), 2000);
    await client.logout().catch(() => client.close());
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const client = this.client;
    this.client = null;
    if (client) await this.end(client);
  }
}

export class IdleWatchers {
  private readonly watchers = new Map<string, Watcher>();
  private sweep: NodeJS.Timeout | null = null;

  constructor(private readonly options: WatcherOptions) {}

  /** Starts (or keeps) the mailbox's IDLE connection for another hold time; a new password restarts it. */
  keep(mailboxId: string, secret: ImapSecret): void {
    const key = JSON.stringify(secret);
    let w = this.watchers.get(mailboxId);
    if (w && w.key !== key) {
      void w.stop();
      w = undefined;
    }
    if (!w) {
      w = new Watcher(mailboxId, key, secret, this.options);
      this.watchers.set(mailboxId, w);
      w.start();
    }
    w.holdUntil = Date.now() + this.options.holdMs;
    if (!this.sweep) {
      this.sweep = setInterval(() => {
        for (const [id, watcher] of this.watchers) if (watcher.holdUntil < Date.now()) void this.stop(id);
      }, Math.max(50, Math.min(5000, this.options.holdMs / 4)));
      this.sweep.unref();
    }
  }

  /** The mailboxes with an IDLE connection up now. */
  listening(): string[] {
    return [...this.watchers.values()].filter((w) => w.listening).map((w) => w.mailboxId);
  }

  get size(): number {
    return this.watchers.size;
  }

  async stop(mailboxId: string): Promise<void> {
    const w = this.watchers.get(mailboxId);
    this.watchers.delete(mailboxId);
    await w?.stop();
  }

  async closeAll(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    await Promise.all([...this.watchers.keys()].map((id) => this.stop(id)));
  }
}
