// Test support: a bare WebSocket to the relay's sync route, for tests that speak the protocol by
// hand (or break it on purpose). Every wait has a deadline; nothing sleeps for a fixed time.
import { WebSocket } from 'ws';
import { SYNC_PATH } from '../../src-shared/sync/protocol.js';

export interface Closed {
  code: number;
  reason: string;
}

/** A refused upgrade: the HTTP status the relay answered with instead of a socket. */
export interface Refused {
  status: number;
  body: string;
}

export class RawSyncSocket {
  /** Every text frame the relay sent, parsed (or the raw text if it was not JSON). */
  readonly frames: unknown[] = [];
  readonly binaryFrames: Buffer[] = [];
  /** Resolves when the connection is gone, with the close code the client saw. */
  readonly closed: Promise<Closed>;
  closedWith: Closed | null = null;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => {
      // Writing into a socket the relay already closed (an oversized frame) errors; 'close' follows.
    });
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.binaryFrames.push(buf);
      else {
        const text = buf.toString('utf8');
        try {
          this.frames.push(JSON.parse(text));
        } catch {
          this.frames.push(text);
        }
      }
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        this.notify();
        resolve(this.closedWith);
      }),
    );
  }

  /** Opens a socket, or reports the HTTP status of a refused upgrade. */
  static connect(relayUrl: string, authorization: string | null | undefined, timeoutMs = 10_000): Promise<RawSyncSocket | Refused> {
    const url = new URL(SYNC_PATH, relayUrl.replace(/^http/, 'ws'));
    const headers: Record<string, string> = {};
    if (authorization !== null && authorization !== undefined) headers.Authorization = authorization;
    const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs, maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      let settled = false;
      ws.once('open', () => {
        settled = true;
        resolve(new RawSyncSocket(ws));
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          settled = true;
          ws.terminate();
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', () => undefined);
      });
      ws.once('error', (err) => {
        if (!settled) reject(err);
      });
    });
  }

  /** Like connect, but the upgrade must succeed. */
  static async open(relayUrl: string, authorization: string, timeoutMs = 10_000): Promise<RawSyncSocket> {
    const s = await RawSyncSocket.connect(relayUrl, authorization, timeoutMs);
    if (!(s instanceof RawSyncSocket)) throw new Error(`The relay refused the upgrade: HTTP ${s.status} ${s.body}`);
    return s;
  }

  send(data: string | Buffer | object, options: { binary?: boolean } = {}): void {
    const payload = typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data);
    this.ws.send(payload, { binary: options.binary ?? false }, () => undefined);
  }

  /** The first frame (from `from` on) matching `match`; fails after the deadline or if the socket closes first. */
  async next<T = Record<string, unknown>>(
    match: (frame: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<{ frame: T; index: number }> {
    const find = () => {
      for (let i = from; i < this.frames.length; i++) {
        const f = this.frames[i];
        if (f && typeof f === 'object' && match(f as Record<string, unknown>)) return { frame: f as T, index: i };
      }
      return null;
    };
    return this.waitUntil(find, timeoutMs, () => `a matching frame (last frame: ${JSON.stringify(this.frames.at(-1) ?? null).slice(0, 300)})`);
  }

  /** The close code, once the relay has closed the connection; fails after the deadline. */
  async waitClosed(timeoutMs = 10_000): Promise<Closed> {
    return this.waitUntil(() => this.closedWith, timeoutMs, () => `the relay to close the connection (last frame: ${JSON.stringify(this.frames.at(-1) ?? null).slice(0, 300)})`, true);
  }

  private waitUntil<T>(check: () => T | null, timeoutMs: number, what: () => string, allowClosed = false): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value !== null) {
          done();
          resolve(value);
        } else if (!allowClosed && this.closedWith) {
          done();
          reject(new Error(`Connection closed (${this.closedWith.code} ${this.closedWith.reason}) while waiting for ${what()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      this.waiters.add(attempt);
      attempt();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Closes from this side (if still open) and waits for the socket to be gone. */
  async close(): Promise<void> {
    if (this.closedWith) return;
    this.ws.close(1000, 'test done');
    const timer = setTimeout(() => this.ws.terminate(), 2000);
    await this.closed;
    clearTimeout(timer);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
