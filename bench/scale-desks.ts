// A child process of the scale bench (bench/scale.ts): many light desks, each one WebSocket to a
// relay speaking the real sync protocol (src-shared/sync/protocol.ts: hello with a node id and
// cursor, every `changes` page acknowledged, pushes of stamped changes answered by `pushed`),
// without a desk's SQLite database behind it. Frames are checked with the protocol's own schemas
// both ways. Also, in the process asked to, the portal's load: GET /t/<token> at a steady rate.
//
// Driven by the parent over IPC: `connect` (open these desks, hello, wait for each one's first
// page), `load` (for N seconds: each editing desk pushes one change every `editEveryMs`, the
// other desk of its workspace times it to arrival; portal requests at `portal.perSecond`),
// `disconnect`, `exit`. Edit values carry the sender's wall clock in ms with a fraction
// (performance.timeOrigin + performance.now()), so a desk in another process can time them.
import http from 'node:http';
import { WebSocket } from 'ws';
import { HybridClock } from '../src-shared/sync/hlc.js';
import {
  bearer,
  type DeskFrame,
  deskFrameSchema,
  isKnownRelayFrame,
  MAX_SYNC_FRAME_BYTES,
  relayFrameSchema,
  SYNC_PATH,
} from '../src-shared/sync/protocol.js';

export interface LightDeskSpec {
  relayUrl: string;
  deviceId: string;
  secret: string;
  node: string;
  /** The row this workspace's editing desk changes (customers.last_name). */
  row: string;
  /** This desk pushes edits during `load`; its partner receives them. */
  edits: boolean;
}

export type ParentMessage =
  | { t: 'connect'; desks: LightDeskSpec[]; concurrency: number; timeoutMs: number }
  | { t: 'load'; seconds: number; editEveryMs: number; portal: { urls: string[]; perSecond: number; addresses: number } | null }
  /** Stop opening desks (the machine runs low on memory); `connect` answers with what it reached. */
  | { t: 'halt' }
  | { t: 'disconnect' }
  | { t: 'exit' };

export type ChildMessage =
  | { t: 'connected'; ok: number; failed: number; firstError: string | null; ms: number; timedOut: boolean }
  | {
      t: 'loaded';
      editsSent: number;
      /** Sender's clock → partner's changes frame, ms, one per edit received. */
      fanOut: number[];
      protocolErrors: number;
      firstProtocolError: string | null;
      portal: number[];
      portalStatus: Record<string, number>;
      portalErrors: number;
      /** Sockets the relay closed during the run. */
      closedDuringLoad: number;
    }
  | { t: 'disconnected' }
  | { t: 'error'; message: string };

const MARK = 'Scale ';
const wallNow = () => performance.timeOrigin + performance.now();

class LightDesk {
  ws: WebSocket | null = null;
  cursor = 0;
  caughtUp = false;
  closed = false;
  private clock: HybridClock;
  private nextPush = 1;

  constructor(
    readonly spec: LightDeskSpec,
    private readonly onFanOut: (ms: number) => void,
    private readonly onProtocolError: (what: string) => void,
  ) {
    this.clock = new HybridClock(spec.node);
  }

  /** Opens the socket, says hello, resolves once the first page (caught up) arrived. */
  open(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = new URL(SYNC_PATH, this.spec.relayUrl.replace(/^http/, 'ws'));
      const ws = new WebSocket(url, {
        headers: { Authorization: bearer(this.spec.deviceId, this.spec.secret) },
        handshakeTimeout: timeoutMs,
        maxPayload: MAX_SYNC_FRAME_BYTES,
        perMessageDeflate: false,
      });
      this.ws = ws;
      let settled = false;
      const timer = setTimeout(() => settle(new Error(`no first page within ${timeoutMs} ms`)), timeoutMs);
      const settle = (err: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          ws.terminate();
          reject(err);
        } else resolve();
      };
      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        settle(new Error(`upgrade refused: HTTP ${res.statusCode}`));
      });
      ws.on('error', (err) => settle(err));
      ws.on('close', (code) => {
        this.closed = true;
        settle(new Error(`closed (${code}) before the first page`));
      });
      ws.on('open', () => this.send({ t: 'hello', node: this.spec.node, cursor: this.cursor }));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return this.onProtocolError('a binary frame from the relay');
        let json: unknown;
        try {
          json = JSON.parse(data.toString());
        } catch {
          return this.onProtocolError('a frame that is not JSON');
        }
        if (!isKnownRelayFrame(json)) return;
        const parsed = relayFrameSchema.safeParse(json);
        if (!parsed.success) return this.onProtocolError(`a frame the protocol refuses: ${parsed.error.issues[0]?.message}`);
        const frame = parsed.data;
        if (frame.t === 'changes') {
          const arrived = wallNow();
          for (const c of frame.changes as Array<{ column?: string; value?: unknown }>) {
            if (c.column === 'last_name' && typeof c.value === 'string' && c.value.startsWith(MARK)) {
              const sentAt = Number(c.value.slice(MARK.length).split(' ')[0]);
              if (Number.isFinite(sentAt)) this.onFanOut(arrived - sentAt);
            }
          }
          this.cursor = frame.cursor;
          this.send({ t: 'ack', cursor: frame.cursor });
          if (!this.caughtUp && !frame.more) {
            this.caughtUp = true;
            settle(null);
          }
        } else if (frame.t === 'error') {
          this.onProtocolError(`${frame.code}: ${frame.message}`);
        }
      });
    });
  }

  /** One stamped edit of this workspace's customer, carrying the time it was sent. */
  pushEdit(): void {
    const value = `${MARK}${wallNow().toFixed(3)} ${this.spec.node}`;
    const change = { table: 'customers', row: this.spec.row, column: 'last_name', value, stamp: this.clock.tick() };
    this.send({ t: 'push', id: this.nextPush++, changes: [change] });
  }

  private send(frame: DeskFrame): void {
    if (this.closed || this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(deskFrameSchema.parse(frame)));
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 3000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000, 'bench done');
    });
  }
}

let desks: LightDesk[] = [];
let fanOut: number[] = [];
let protocolErrors = 0;
let firstProtocolError: string | null = null;
let measuring = false;
let halted = false;

function reply(m: ChildMessage): void {
  process.send?.(m);
}

async function connect(m: Extract<ParentMessage, { t: 'connect' }>): Promise<void> {
  const started = performance.now();
  const deadline = Date.now() + m.timeoutMs;
  halted = false;
  desks = m.desks.map(
    (spec) =>
      new LightDesk(
        spec,
        (ms) => {
          if (measuring) fanOut.push(ms);
        },
        (what) => {
          protocolErrors++;
          firstProtocolError ??= what;
        },
      ),
  );
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  let timedOut = false;
  let next = 0;
  // A few handshakes at a time, as desks coming online after a relay restart would.
  const worker = async () => {
    while (next < desks.length) {
      if (Date.now() > deadline || halted) {
        timedOut = !halted;
        return;
      }
      const d = desks[next++]!;
      try {
        await d.open(Math.max(1000, deadline - Date.now()));
        ok++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, worker));
  reply({ t: 'connected', ok, failed, firstError, ms: performance.now() - started, timedOut });
}

function portalLoad(p: { urls: string[]; perSecond: number; addresses: number }, until: number, out: { latencies: number[]; status: Record<string, number>; errors: number }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let i = 0;
  const every = 1000 / p.perSecond;
  const start = performance.now();
  return new Promise<void>((resolve) => {
    let inFlight = 0;
    let stopped = false;
    const finish = () => {
      if (stopped && inFlight === 0) {
        agent.destroy();
        resolve();
      }
    };
    const one = () => {
      const n = i++;
      const url = p.urls[n % p.urls.length]!;
      // Phones from many addresses, as the load balancer reports them (the relay trusts the proxy).
      const forwarded = `10.77.${Math.floor((n % p.addresses) / 250)}.${(n % p.addresses) % 250 + 1}`;
      const t0 = performance.now();
      inFlight++;
      const req = http.get(url, { agent, headers: { 'accept-encoding': 'gzip', 'x-forwarded-for': forwarded }, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          out.latencies.push(performance.now() - t0);
          const code = String(res.statusCode);
          out.status[code] = (out.status[code] ?? 0) + 1;
          inFlight--;
          finish();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        out.errors++;
        inFlight--;
        finish();
      });
    };
    // Requests at fixed times (not one after another), so a slow answer does not slow the load.
    const tick = () => {
      const due = Math.floor((performance.now() - start) / every);
      while (i <= due) one();
      if (Date.now() >= until) {
        stopped = true;
        finish();
        return;
      }
      setTimeout(tick, Math.max(1, every / 2));
    };
    tick();
  });
}

async function load(m: Extract<ParentMessage, { t: 'load' }>): Promise<void> {
  fanOut = [];
  protocolErrors = 0;
  firstProtocolError = null;
  const until = Date.now() + m.seconds * 1000;
  const openBefore = desks.filter((d) => !d.closed).length;
  measuring = true;
  let editsSent = 0;
  const editors = desks.filter((d) => d.spec.edits && d.caughtUp && !d.closed);
  // Each editing desk at its own phase, so pushes spread over the interval.
  const timers = editors.map((d, k) => {
    const phase = (k / Math.max(1, editors.length)) * m.editEveryMs;
    let interval: NodeJS.Timeout | null = null;
    const first = setTimeout(() => {
      d.pushEdit();
      editsSent++;
      interval = setInterval(() => {
        if (Date.now() < until) {
          d.pushEdit();
          editsSent++;
        }
      }, m.editEveryMs);
    }, phase);
    return () => {
      clearTimeout(first);
      if (interval) clearInterval(interval);
    };
  });
  const portal = { latencies: [] as number[], status: {} as Record<string, number>, errors: 0 };
  const portalRun = m.portal ? portalLoad(m.portal, until, portal) : Promise.resolve();
  await new Promise((r) => setTimeout(r, m.seconds * 1000));
  for (const stop of timers) stop();
  await portalRun;
  // Edits still on their way get a moment to arrive.
  await new Promise((r) => setTimeout(r, 1000));
  measuring = false;
  reply({
    t: 'loaded',
    editsSent,
    fanOut,
    protocolErrors,
    firstProtocolError,
    portal: portal.latencies,
    portalStatus: portal.status,
    portalErrors: portal.errors,
    closedDuringLoad: openBefore - desks.filter((d) => !d.closed).length,
  });
}

process.on('message', (raw) => {
  const m = raw as ParentMessage;
  const run = async () => {
    switch (m.t) {
      case 'connect':
        return connect(m);
      case 'load':
        return load(m);
      case 'halt':
        halted = true;
        return;
      case 'disconnect':
        await Promise.all(desks.map((d) => d.close()));
        desks = [];
        return reply({ t: 'disconnected' });
      case 'exit':
        await Promise.all(desks.map((d) => d.close()));
        process.exit(0);
    }
  };
  run().catch((err: unknown) => reply({ t: 'error', message: (err as Error).stack ?? String(err) }));
});
process.on('disconnect', () => process.exit(0));
