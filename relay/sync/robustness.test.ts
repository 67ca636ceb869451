// The relay against a hostile or broken client, on both storage engines: 2,000 random and
// malformed frames (bad JSON, wrong shapes and types, huge strings, oversized and binary frames,
// protocol violations, random bytes) and garbled upgrade attempts. Every one is answered with an
// error frame and/or a close code (or, for the few valid ones, normally); meanwhile two real
// desks keep syncing, and at the end the relay's log holds exactly what the real desks made.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, RepairOrderSummary, SyncStatus } from '../../src-shared/domain.js';
import { formatStamp } from '../../src-shared/sync/hlc.js';
import { bearer, MAX_SYNC_FRAME_BYTES, relayFrameSchema, SYNC_PAGE } from '../../src-shared/sync/protocol.js';
import { isSyncedColumn, isSyncedTable, SYNCED_TABLES, type SyncedTable } from '../../src-shared/sync/tables.js';
import type { Desk } from '../../src-main/desk.js';
import { dumpSyncedTables } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode, redeem } from '../pairing.js';
import { RawSyncSocket } from '../testing/raw-sync-socket.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';

const FRAMES = 2000;
const WORKERS = 8;
const TABLES = Object.keys(SYNCED_TABLES);

/** xorshift32: small and deterministic, so a failing run can be replayed from its seed. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const ascii = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + int(95))).join('');
  /** Any code units at all: multi-byte letters, emoji halves, controls, NULs. */
  const unicode = (n: number) =>
    Array.from({ length: n }, () =>
      pick([
        () => String.fromCharCode(int(0x80)),
        () => String.fromCharCode(0x80 + int(0x780)),
        () => String.fromCharCode(0x800 + int(0xd000)),
        () => String.fromCharCode(0xd800 + int(0x800)),
        () => '😀',
        () => 'é',
      ])(),
    ).join('');
  return { next, int, pick, chance, bytes, ascii, unicode };
}
type Rand = ReturnType<typeof prng>;

const checkIn = (firstName: string, plate: string) => ({
  customer: { firstName, lastName: 'Steady', mobile: '(512) 555-0188' },
  vehicle: { plate, make: 'Subaru', model: 'Outback', year: 2019 },
});

/** What the relay must do with one frame. */
type Expect =
  /** Close with one of these codes; relay-made closes (44xx) come after an error frame with one of these codes. */
  | { close: number[]; errors?: string[] }
  /** Answer normally: with `pushed` for that id (logging nothing), or with nothing at all and stay open. */
  | { pushed: number }
  | { alive: true }
  | { welcome: true }
  /** A refused upgrade with one of these HTTP statuses. */
  | { status: number[] };

interface Case {
  index: number;
  kind: string;
  /** upgrade: an upgrade attempt; pre: the frame is the first on the socket; post: it follows hello. */
  via: 'upgrade' | 'pre' | 'post';
  frame?: (ctx: { sent: number }) => string | Buffer;
  binary?: boolean;
  authorization?: string | null;
  expect: Expect;
}

interface Credentials {
  deviceId: string;
  secret: string;
  node: string;
}

const INVALID = { close: [4400], errors: ['invalid-frame', 'invalid-change'] };
const PROTOCOL = (code: string) => ({ close: [4409], errors: [code] });

/** Builds the 2,000 cases from the seed. Each is independent; they run on fresh sockets. */
function buildCases(rand: Rand, creds: Credentials, replay: unknown[]): Case[] {
  const { int, pick, chance, ascii, unicode } = rand;
  const node = creds.node;
  const stamp = () => formatStamp({ millis: Date.now(), counter: int(0xffff), node });
  const validChange = () => ({ table: 'customers', row: randomUUID(), column: 'first_name', value: `Junk ${int(1e6)}`, stamp: stamp() });
  const hello = () => ({ t: 'hello', node, cursor: 0 });
  const push = (changes: unknown[] = [validChange()]) => ({ t: 'push', id: int(1000), changes });
  const anyValue = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => true,
      () => false,
      () => -1,
      () => 0.5,
      () => 1e308,
      () => -(2 ** 60),
      () => '',
      () => ascii(int(40)),
      () => unicode(int(40)),
      () => [],
      () => [1, 'two', null],
      () => ({}),
      () => ({ t: 'hello' }),
      () => nest(int(50) + 1),
    ])();
  const nest = (depth: number): unknown => {
    let v: unknown = pick([null, 1, 'x', {}]);
    for (let i = 0; i < depth; i++) v = chance(0.5) ? [v] : { [pick(['a', 't', 'changes', 'value'])]: v };
    return v;
  };
  const json = (v: unknown) => () => JSON.stringify(v);
  /** Values of every type but the right one, per field. */
  const wrong: Record<string, () => unknown> = {
    node: () =>
      pick<unknown>([0, null, true, [], {}, '', 'ABCDEF0123456789', '0123456789abcde', '0123456789abcdef0', 'g123456789abcdef', ' 0123456789abcdef', '0123456789abcdef\n', unicode(16), ascii(16), 123456789]),
    cursor: () => pick<unknown>([-1, 0.5, '0', null, true, [], {}, 1e300, 2 ** 53, 2 ** 64, -1e-9, '1e3', [0], { n: 0 }]),
    id: () => pick<unknown>([-1, 1.5, '1', null, true, [], {}, 1e300, 2 ** 53 + 2, [1], -0.5]),
    changes: () => pick<unknown>([null, {}, 'x', 1, true, [null], [1], [[]], ['x'], [true], { 0: validChange(), length: 1 }]),
    t: () => pick<unknown>([null, 1, true, [], {}, 'HELLO', 'hello ', ' push', 'Ack', 'welcome', 'changes', 'pushed', 'error', '', unicode(5)]),
    table: () => pick<unknown>([null, 1, true, [], {}, ['customers'], { name: 'customers' }]),
    row: () => pick<unknown>([null, 1, true, [], {}, '', 'x'.repeat(129), ['r']]),
    column: () => pick<unknown>([null, 1, true, [], {}, ['first_name']]),
    value: () => pick<unknown>([true, false, [], {}, ['x'], { v: 1 }, 'x'.repeat(100_001)]),
    stamp: () => pick<unknown>([null, 1, true, [], {}, Date.now()]),
  };
  const unknownTables = [
    'users',
    'sqlite_master',
    'changes',
    'cell_stamps',
    'meta',
    'operator',
    'devices',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'pg_catalog.pg_user',
    'public.devices',
    'customers; DROP TABLE customers',
    'Customers',
    'customers ',
    '',
    'customers\u0000',
  ].filter((t) => !isSyncedTable(t));
  const unknownColumns = ['id', '__proto__', 'constructor', 'valueOf', 'first_name; --', 'FIRST_NAME', 'seq', 'stamp', '', 'rowid', 'oid', 'ctid', 'first_name\u0000'];
  const badStamps: unknown[] = [
    '',
    'now',
    '1',
    '0',
    `${String(Date.now()).padStart(15, '0')}-0000-${node.toUpperCase().replace(/[0-9]/g, 'A')}`,
    `${String(Date.now()).padStart(14, '0')}-0000-${node}`,
    `${String(Date.now()).padStart(16, '0')}-0000-${node}`,
    `${String(Date.now()).padStart(15, '0')}-000-${node}`,
    `${String(Date.now()).padStart(15, '0')}-0000-${node.slice(1)}`,
    `${String(Date.now()).padStart(15, '0')}-0000-${node.slice(1)}g`,
    `${String(Date.now()).padStart(15, '0')}-0000-${node}\n`,
    ` ${String(Date.now()).padStart(15, '0')}-0000-${node}`,
    `${String(Date.now()).padStart(15, '0')}-0000-${node}-`,
    `${'١'.repeat(15)}-0000-${node}`,
    `${String(Date.now()).padStart(15, '0')}_0000_${node}`,
    `${String(Date.now()).padStart(15, '0')}-0000-${node}`.replace(/-/g, '\u2010'),
  ];

  type Gen = { weight: number; make: () => Omit<Case, 'index' | 'kind'> };
  const prePost = (): 'pre' | 'post' => (chance(0.5) ? 'pre' : 'post');
  const gens: Record<string, Gen> = {
    'bad-json': {
      weight: 10,
      make: () => {
        const fixed = ['{', '}', '{"t":', '{"t":"hello"', 'hello', "{'t':'hello'}", 'undefined', 'NaN', '{"t":"hello",}', '[1,]', '{"t":"ack","cursor":01}', '"\\x41"', '{"t":"push","id":1,"changes":[}', 'nul', 'tru', '{"a":1}{"b":2}', '\u0000'];
        let text: string;
        if (chance(0.4)) text = pick(fixed);
        else {
          // A valid frame cut short, or with one character swapped for junk.
          const full = JSON.stringify(pick([hello(), push(), { t: 'ack', cursor: 1 }]));
          text = chance(0.5) ? full.slice(0, 1 + int(full.length - 2)) : full.slice(0, 1) + full.slice(1).replace(/[":,]/, pick(['', "'", ';', '}{']));
        }
        try {
          JSON.parse(text);
          text = `{${text}`;
        } catch {
          // Not JSON, as wanted.
        }
        return { via: prePost(), frame: () => text, expect: INVALID };
      },
    },
    'wrong-shape': {
      weight: 10,
      make: () => {
        const v = pick<() => unknown>([
          () => null,
          () => 0,
          () => 1e308,
          () => 'hello',
          () => true,
          () => [],
          () => [hello()],
          () => ({}),
          () => ({ T: 'hello', node, cursor: 0 }),
          () => ({ type: 'hello', node, cursor: 0 }),
          () => ({ t: 'welcome', workspace: { id: 'x', slug: 'x', name: 'x' }, relayNode: node }),
          () => ({ t: 'changes', changes: [], cursor: 0, more: false }),
          () => ({ t: 'pushed', id: 1, logged: 0, applied: 0 }),
          () => ({ t: 'error', code: 'x', message: 'y' }),
          () => Object.fromEntries(Array.from({ length: 1 + int(6) }, () => [ascii(1 + int(8)), anyValue()])),
          () => ({ t: wrong.t!(), node, cursor: 0 }),
        ])();
        return { via: prePost(), frame: json(v), expect: INVALID };
      },
    },
    'hello-field': {
      weight: 12,
      make: () => {
        const f: Record<string, unknown> = hello();
        const field = pick(['node', 'cursor', 'missing', 'extra']);
        if (field === 'missing') delete f[pick(['node', 'cursor'])];
        else if (field === 'extra') f[pick(['workspace', 'workspaceId', 'device', 'id', 'x', ascii(1 + int(20)), unicode(1 + int(60))])] = anyValue();
        else f[field] = wrong[field]!();
        return { via: prePost(), frame: json(f), expect: INVALID };
      },
    },
    'push-field': {
      weight: 14,
      make: () => {
        const f: Record<string, unknown> = push();
        const change = (f.changes as Record<string, unknown>[])[0]!;
        const field = pick(['id', 'changes', 'too-many', 'change-field', 'change-missing', 'change-extra', 'value-type', 'frame-extra', 'frame-missing']);
        if (field === 'id' || field === 'changes') f[field] = wrong[field]!();
        else if (field === 'too-many') f.changes = Array.from({ length: SYNC_PAGE + 1 }, validChange);
        else if (field === 'change-field') {
          const col = pick(['table', 'row', 'column', 'value', 'stamp']);
          change[col] = wrong[col]!();
        } else if (field === 'change-missing') delete change[pick(['table', 'row', 'column', 'value', 'stamp'])];
        else if (field === 'change-extra') change[pick(['seq', 'node', 'workspace', 'id', ascii(1 + int(10))])] = anyValue();
        else if (field === 'value-type') {
          // The right JSON type for some column, the wrong one for this column.
          Object.assign(
            change,
            pick([
              { table: 'customers', column: 'first_name', value: 5 },
              { table: 'repair_orders', column: 'ro_number', value: 'one' },
              { table: 'repair_orders', column: 'ro_number', value: 1.5 },
              { table: 'repair_orders', column: 'ro_number', value: 2 ** 60 },
              { table: 'repair_orders', column: 'deductible_cents', value: '500' },
              { table: 'staff', column: 'active', value: 0.1 },
            ]),
          );
        } else if (field === 'frame-extra') f[pick(['workspace', 'workspaceId', 'cursor', ascii(1 + int(10))])] = anyValue();
        else delete f[pick(['id', 'changes', 't'])];
        return { via: prePost(), frame: json(f), expect: INVALID };
      },
    },
    'ack-field': {
      weight: 8,
      make: () => {
        const f: Record<string, unknown> = { t: 'ack', cursor: 0 };
        if (chance(0.2)) f[pick(['id', 'node', ascii(1 + int(10))])] = anyValue();
        else if (chance(0.1)) delete f.cursor;
        else f.cursor = wrong.cursor!();
        return { via: prePost(), frame: json(f), expect: INVALID };
      },
    },
    huge: {
      weight: 4,
      make: () => {
        const big = (n: number) => (chance(0.5) ? 'x'.repeat(n) : 'ü'.repeat(n / 2));
        const c = validChange() as Record<string, unknown>;
        const which = pick(['value', 'table', 'row', 'column', 'stamp', 'node', 'key', 't', 'change-key', 'id-digits']);
        let f: unknown;
        if (which === 'value') f = push([{ ...c, value: big(200 * 1024) }]);
        else if (which === 'table' || which === 'row' || which === 'column' || which === 'stamp') f = push([{ ...c, [which]: big(10 * 1024) }]);
        else if (which === 'node') f = { ...hello(), node: big(10 * 1024) };
        else if (which === 'key') f = { ...hello(), [big(10 * 1024)]: 1 };
        else if (which === 't') f = { t: big(10 * 1024) };
        else if (which === 'change-key') f = push([{ ...c, [big(10 * 1024)]: 1 }]);
        else return { via: prePost(), frame: () => `{"t":"push","id":${'9'.repeat(10_000)},"changes":[]}`, expect: INVALID };
        return { via: prePost(), frame: json(f), expect: INVALID };
      },
    },
    binary: {
      weight: 8,
      make: () => {
        const kind = int(4);
        const buf =
          kind === 0 ? Buffer.from(JSON.stringify(hello())) : kind === 1 ? Buffer.from(JSON.stringify(push([]))) : kind === 2 ? Buffer.alloc(0) : rand.bytes(1 + int(4096));
        return { via: prePost(), frame: () => buf, binary: true, expect: INVALID };
      },
    },
    'before-hello': {
      weight: 8,
      make: () => {
        const f = pick<() => unknown>([() => push([]), () => push(), () => push(replay.slice(0, 5)), () => ({ t: 'ack', cursor: int(100) })])();
        return { via: 'pre', frame: json(f), expect: PROTOCOL('hello-first') };
      },
    },
    'hello-twice': {
      weight: 6,
      make: () => ({ via: 'post', frame: json(chance(0.5) ? hello() : { ...hello(), cursor: int(1000) }), expect: PROTOCOL('hello-twice') }),
    },
    'ack-ahead': {
      weight: 6,
      make: () => {
        const ahead = pick([1, 2, 1000, 1e9, Number.MAX_SAFE_INTEGER]);
        return {
          via: 'post',
          frame: ({ sent }) => JSON.stringify({ t: 'ack', cursor: Math.min(Number.MAX_SAFE_INTEGER, sent + ahead) }),
          expect: PROTOCOL('ack-ahead'),
        };
      },
    },
    'unknown-table': {
      weight: 8,
      make: () => {
        const c = validChange();
        const changes = chance(0.5)
          ? [{ ...c, table: pick(unknownTables) }]
          : [{ ...c, table: pick(TABLES), column: pick(unknownColumns.filter((col) => !TABLES.some((t) => isSyncedColumn(t as SyncedTable, col)))) }];
        if (chance(0.3)) changes.unshift(validChange());
        return { via: prePost(), frame: json(push(changes)), expect: INVALID };
      },
    },
    'bad-stamp': {
      weight: 8,
      make: () => ({ via: prePost(), frame: json(push([{ ...validChange(), stamp: pick(badStamps) }])), expect: INVALID }),
    },
    nested: {
      weight: 6,
      make: () => {
        // Built as text: deeper than JSON.stringify (or this process's own JSON.parse) would go.
        const depth = pick([10, 100, 1000, 5000, 100_000]);
        const deep = (inner: string) => {
          let open = '';
          let close = '';
          for (let i = 0; i < depth; i++) {
            const key = pick(['a', 't', 'changes', 'value']);
            if (chance(0.5)) {
              open += '[';
              close = `]${close}`;
            } else {
              open += `{"${key}":`;
              close = `}${close}`;
            }
          }
          return open + inner + close;
        };
        const text = pick([
          () => deep('1'),
          () => `{"t":"push","id":1,"changes":${deep('[]')}}`,
          () => JSON.stringify(push([{ ...validChange(), value: '@@' }])).replace('"@@"', deep('"x"')),
          () => JSON.stringify({ ...hello(), cursor: '@@' }).replace('"@@"', deep('0')),
          () => JSON.stringify({ ...hello(), extra: '@@' }).replace('"@@"', deep('null')),
        ])();
        return { via: prePost(), frame: () => text, expect: INVALID };
      },
    },
    empty: {
      weight: 4,
      make: () => ({ via: prePost(), frame: () => pick(['', ' ', '\n', '\t', '\r\n', '""', '{}', '[]', 'null', '0']), expect: INVALID }),
    },
    'random-bytes': {
      weight: 6,
      make: () => {
        // Sent as a text frame: invalid UTF-8 is the WebSocket layer's to refuse (1007).
        const buf = rand.bytes(1 + int(2048));
        return { via: prePost(), frame: () => buf, binary: false, expect: { close: [1007, 4400], errors: ['invalid-frame'] } };
      },
    },
    'mixed-batch': {
      weight: 4,
      make: () => {
        const bad = pick<unknown>([{ ...validChange(), stamp: 'nope' }, { ...validChange(), table: 'users' }, null, { ...validChange(), value: {} }]);
        const changes: unknown[] = [validChange(), validChange(), ...replay.slice(0, 3)];
        changes.splice(int(changes.length + 1), 0, bad);
        return { via: prePost(), frame: json(push(changes)), expect: INVALID };
      },
    },
    proto: {
      weight: 2,
      make: () => {
        const text = pick([
          `{"t":"hello","node":"${node}","cursor":0,"__proto__":{"polluted":1}}`,
          `{"t":"push","id":1,"changes":[{"table":"customers","row":"r","column":"first_name","value":"x","stamp":"${stamp()}","__proto__":{"polluted":1}}]}`,
          `{"__proto__":{"t":"hello","node":"${node}","cursor":0}}`,
          `{"t":"push","id":1,"changes":[],"constructor":{"prototype":{"polluted":1}}}`,
        ]);
        return { via: prePost(), frame: () => text, expect: INVALID };
      },
    },
    upgrade: {
      weight: 10,
      make: () => {
        const { deviceId, secret } = creds;
        const auth = pick<string | null>([
          null,
          '',
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          `Bearer ${deviceId}`,
          `Bearer ${deviceId}.`,
          `Bearer .${secret}`,
          `Bearer ${deviceId}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`,
          `Bearer ${deviceId}.${secret}x`,
          `Bearer ${deviceId.slice(0, -1)}${deviceId.endsWith('A') ? 'B' : 'A'}.${secret}`,
          `bearer ${deviceId}.${secret}`,
          `Bearer  ${deviceId}.${secret}`,
          `Bearer ${deviceId}:${secret}`,
          `Bearer ${deviceId}.${secret}.${secret}`,
          `Token ${deviceId}.${secret}`,
          `Bearer ${secret}.${deviceId}`,
          `Bearer ${ascii(30).replace(/\s/g, '_')}`,
          `Bearer ${randomUUID()}.${secret}`,
          `Bearer ${deviceId}.${'A'.repeat(129)}`,
          `Bearer ${'A'.repeat(65)}.${secret}`,
        ]);
        return { via: 'upgrade', authorization: auth, expect: { status: [401] } };
      },
    },
    valid: {
      weight: 6,
      make: () => {
        const kind = int(4);
        if (kind === 0) {
          const id = int(1e9);
          return { via: 'post', frame: json({ t: 'push', id, changes: [] }), expect: { pushed: id } };
        }
        if (kind === 1) {
          // Changes the relay has already: logged again would be a bug, refused would be one too.
          const id = int(1e9);
          return { via: 'post', frame: json({ t: 'push', id, changes: replay.slice(int(replay.length), replay.length) }), expect: { pushed: id } };
        }
        if (kind === 2) {
          const share = rand.next();
          return { via: 'post', frame: ({ sent }) => JSON.stringify({ t: 'ack', cursor: Math.floor(share * (sent + 1)) }), expect: { alive: true } };
        }
        return { via: 'pre', frame: json({ t: 'hello', node, cursor: pick([0, 1, int(1e6), Number.MAX_SAFE_INTEGER]) }), expect: { welcome: true } };
      },
    },
  };

  const names = Object.keys(gens);
  const total = names.reduce((sum, n) => sum + gens[n]!.weight, 0);
  const cases: Case[] = [];
  // A few over the 8 MiB limit, at fixed places: they are big.
  const oversized: Array<Omit<Case, 'index' | 'kind'>> = [
    { via: 'post', frame: () => JSON.stringify(push([{ ...validChange(), value: 'x'.repeat(MAX_SYNC_FRAME_BYTES) }])), expect: { close: [1009] } },
    { via: 'pre', frame: () => Buffer.alloc(MAX_SYNC_FRAME_BYTES + 1, 0x20), expect: { close: [1009] } },
    { via: 'pre', frame: () => randomBytes(MAX_SYNC_FRAME_BYTES + 4096), binary: true, expect: { close: [1009] } },
    { via: 'post', frame: () => `{"t":"ack","cursor":0${' '.repeat(MAX_SYNC_FRAME_BYTES)}}`, expect: { close: [1009] } },
  ];
  for (let i = 0; i < FRAMES; i++) {
    if (i % 500 === 250 && oversized.length > 0) {
      cases.push({ index: i, kind: 'over-limit', ...oversized.shift()! });
      continue;
    }
    let roll = rand.next() * total;
    let name = names[0]!;
    for (const n of names) {
      roll -= gens[n]!.weight;
      if (roll < 0) {
        name = n;
        break;
      }
    }
    cases.push({ index: i, kind: name, ...gens[name]!.make() });
  }
  return cases;
}

interface Outcome {
  close?: number;
  errors: string[];
  status?: number;
}

/** Runs one case on a fresh connection and checks what the relay did; returns a failure or null. */
async function runCase(url: string, creds: Credentials, c: Case, helloCursor: number): Promise<{ outcome: Outcome; failure: string | null }> {
  const result = await runCaseOnce(url, creds, c, helloCursor);
  if (result.failure || !result.frames) return result;
  // Whatever the relay said, it said in frames a desk understands (error messages within bounds).
  const odd = result.frames.find((fr) => !relayFrameSchema.safeParse(fr).success);
  return odd ? { ...result, failure: `the relay sent a frame outside the protocol: ${JSON.stringify(odd).slice(0, 200)}…` } : result;
}

async function runCaseOnce(
  url: string,
  creds: Credentials,
  c: Case,
  helloCursor: number,
): Promise<{ outcome: Outcome; failure: string | null; frames?: unknown[] }> {
  const auth = bearer(creds.deviceId, creds.secret);
  if (c.via === 'upgrade') {
    const r = await RawSyncSocket.connect(url, c.authorization);
    if (r instanceof RawSyncSocket) {
      await r.close();
      return { outcome: { errors: [] }, failure: `upgrade with ${JSON.stringify(c.authorization)} was accepted` };
    }
    const expected = (c.expect as { status: number[] }).status;
    return { outcome: { status: r.status, errors: [] }, failure: expected.includes(r.status) ? null : `upgrade answered ${r.status}, expected ${expected}` };
  }
  const s = await RawSyncSocket.open(url, auth);
  const judged = await judge(s, c, creds, helloCursor);
  return { ...judged, frames: s.frames };
}

/** Sends the case's frame on an open socket (after hello if it says so) and checks the relay's answer. */
async function judge(s: RawSyncSocket, c: Case, creds: Credentials, helloCursor: number): Promise<{ outcome: Outcome; failure: string | null }> {
  try {
    let sent = 0;
    let from = 0;
    if (c.via === 'post') {
      s.send({ t: 'hello', node: creds.node, cursor: helloCursor });
      await s.next((f) => f.t === 'welcome');
      const page = await s.next((f) => f.t === 'changes');
      sent = page.frame.cursor as number;
      from = s.frames.length;
    }
    s.send(c.frame!({ sent }), { binary: c.binary });
    const errorsOf = () => s.frames.slice(from).filter((f): f is { t: 'error'; code: string } => (f as { t?: string })?.t === 'error').map((f) => f.code);
    let e = c.expect;
    // A bad frame as the very first one may be refused for either fault: its shape (4400) or
    // not being hello (4409); which check comes first is the relay's choice.
    if (c.via === 'pre' && 'close' in e && e.close.includes(4400) && e.errors) {
      e = { close: [...e.close, 4409], errors: [...e.errors, 'hello-first'] };
    }
    if ('close' in e) {
      const closed = await s.waitClosed(10_000).catch((err: Error) => err);
      if (closed instanceof Error) return { outcome: { errors: errorsOf() }, failure: closed.message };
      const outcome = { close: closed.code, errors: errorsOf() };
      if (!e.close.includes(closed.code)) return { outcome, failure: `closed with ${closed.code} (${closed.reason}), expected ${e.close}` };
      const errors = e.errors;
      if (closed.code >= 4000 && errors && !outcome.errors.some((code) => errors.includes(code))) {
        return { outcome, failure: `closed with ${closed.code} but no error frame ${errors} (got ${JSON.stringify(s.frames.slice(from))})` };
      }
      const accepted = s.frames.slice(from).find((f) => (f as { t?: string })?.t === 'pushed' || (f as { t?: string })?.t === 'welcome');
      if (accepted) return { outcome, failure: `answered ${JSON.stringify(accepted)} to a frame it should refuse` };
      return { outcome, failure: null };
    }
    if ('pushed' in e) {
      const { frame } = await s.next<{ id: number; logged: number }>((f) => f.t === 'pushed' || f.t === 'error', 10_000, from);
      const outcome = { errors: errorsOf() };
      if (frame.id !== e.pushed || frame.logged !== 0) return { outcome, failure: `answered ${JSON.stringify(frame)}, expected pushed ${e.pushed} logging nothing` };
      return { outcome, failure: null };
    }
    if ('alive' in e) {
      // Nothing to answer; the connection must still work.
      s.send({ t: 'push', id: 424242, changes: [] });
      const { frame } = await s.next<{ id: number }>((f) => f.t === 'pushed' || f.t === 'error', 10_000, from);
      return { outcome: { errors: errorsOf() }, failure: frame.id === 424242 ? null : `after a valid ack: ${JSON.stringify(frame)}` };
    }
    if ('welcome' in e) {
      await s.next((f) => f.t === 'welcome', 10_000, from);
      await s.next((f) => f.t === 'changes', 10_000, from);
      return { outcome: { errors: errorsOf() }, failure: errorsOf().length ? `errors ${errorsOf()}` : null };
    }
    return { outcome: { errors: [] }, failure: 'unknown expectation' };
  } catch (err) {
    return { outcome: { errors: [] }, failure: (err as Error).message };
  } finally {
    await s.close();
  }
}

type LogKey = string;
const logKeys = (changes: Array<{ stamp: string; table: string; row: string; column: string; value: unknown }>): LogKey[] =>
  changes.map((c) => JSON.stringify([c.stamp, c.table, c.row, c.column, c.value])).sort();

describe.each<Engine>(['sqlite', 'postgres'])('relay robustness (%s)', (engine) => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it(`${FRAMES} random and malformed frames: each refused or answered, the real desks keep syncing, nothing junk is written`, async () => {
    const seed = Number(process.env.BAYLINE_ROBUSTNESS_SEED ?? Date.now() % 1_000_000);
    console.log(`relay robustness (${engine}): seed ${seed} (replay with BAYLINE_ROBUSTNESS_SEED=${seed})`);
    const rand = prng(seed);

    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk('Front desk');
    const b = await f.pairNewDesk('Estimator');
    const first = await call<RepairOrderDetail>(a.desk, 'ro-check-in', checkIn('First', 'RB 0'));
    await eventually('the first RO on desk B', async () => (await call<RepairOrderSummary[]>(b.desk, 'ro-board', {})).some((r) => r.id === first.id));

    // A device credential for raw sockets, paired like any desk.
    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    const paired = await redeem(f.storage, { code, deviceName: 'Fuzzer' });
    const creds: Credentials = { deviceId: paired.deviceId, secret: paired.secret, node: 'f0f0f0f0f0f0f0f0' };
    const relayStore = await f.storage.workspaceStore(f.workspace.id);
    const startLog = await relayStore.changesSince(0, { limit: 1e6 });
    const replay = startLog.changes.map(({ seq: _seq, ...c }) => c);
    const cases = buildCases(rand, creds, replay);
    const started = Date.now();

    // The well-behaved desks work on throughout: every edit on one must reach the other.
    let storming = true;
    let done = 0;
    const steadyEdits: string[] = [];
    const steady: Promise<Error | null> = (async () => {
      for (let i = 1; storming && i <= FRAMES / 100; i++) {
        // One edit per hundred frames, alternating desks, each waited for on the other desk.
        await eventually('the storm to move on', async () => done >= i * 100 || !storming, 120_000);
        if (!storming) break;
        const desk: Desk = i % 2 === 0 ? a.desk : b.desk;
        const other: Desk = i % 2 === 0 ? b.desk : a.desk;
        const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn(`Steady${i}`, `RB ${i}`));
        steadyEdits.push(ro.id);
        await eventually(`steady edit ${i} to cross during the storm`, async () =>
          (await call<RepairOrderSummary[]>(other, 'ro-board', {})).some((r) => r.id === ro.id),
        );
      }
    })().then(
      () => null,
      (err: Error) => err,
    );

    const failures: string[] = [];
    const tally = new Map<string, number>();
    const timing = new Map<string, number>();
    let nextCase = 0;
    const worker = async () => {
      for (;;) {
        const c = cases[nextCase++];
        if (!c) return;
        const t0 = Date.now();
        const { outcome, failure } = await runCase(f.relay.url, creds, c, startLog.cursor).catch((err: Error) => ({
          outcome: { errors: [] } as Outcome,
          failure: `could not run: ${err.message}`,
        }));
        const key = `${c.kind}/${c.via}→${outcome.status ?? outcome.close ?? 'answered'}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        timing.set(key, (timing.get(key) ?? 0) + Date.now() - t0);
        done += 1;
        if (failure) failures.push(`#${c.index} ${c.kind} (${c.via}): ${failure}`);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const stormMs = Date.now() - started;
    storming = false;
    const steadyFailed = await steady;

    console.log(
      `relay robustness (${engine}): ${cases.length} frames in ${stormMs} ms, ${steadyEdits.length} steady edits crossed during the storm\n` +
        [...tally.entries()]
          .sort()
          .map(([k, n]) => `  ${k}: ${n} (${Math.round(timing.get(k)! / n)} ms each)`)
          .join('\n'),
    );
    expect(failures.slice(0, 25), `${failures.length} of ${cases.length} frames mishandled (seed ${seed})`).toEqual([]);
    expect(steadyFailed?.message ?? null).toBeNull();
    expect(steadyEdits.length).toBeGreaterThan(0);

    // After the storm: one more edit crosses, the relay is healthy, and no raw session lingers.
    const last = await call<RepairOrderDetail>(a.desk, 'ro-check-in', checkIn('Last', 'RB END'));
    await eventually('the last RO on desk B', async () => (await call<RepairOrderSummary[]>(b.desk, 'ro-board', {})).some((r) => r.id === last.id));
    const health = await fetch(`${f.relay.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, engine });
    await eventually('only the two desks to be connected', async () => f.relay.hub.connectedCount === 2, 10_000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Nothing junk was written: the relay's log is exactly the desks' logs (their own changes,
    // each other's, and the relay's workspace settings), and its tables match theirs.
    await eventually('both desks to have pushed everything', async () => {
      const states = await Promise.all([a.desk, b.desk].map((d) => call<SyncStatus>(d, 'sync-status', {})));
      return states.every((s) => s.online && s.changesWaiting === 0);
    });
    const relayLog = await eventually('the desks and the relay to hold the same log', async () => {
      const r = logKeys((await relayStore.changesSince(0, { limit: 1e6 })).changes);
      const la = logKeys((await a.desk.store.changesSince(0, { limit: 1e6 })).changes);
      const lb = logKeys((await b.desk.store.changesSince(0, { limit: 1e6 })).changes);
      return JSON.stringify(r) === JSON.stringify(la) && JSON.stringify(r) === JSON.stringify(lb) ? r : undefined;
    });
    const full = await relayStore.changesSince(0, { limit: 1e6 });
    expect(full.changes.length).toBe(relayLog.length);
    const nodes = new Set(full.changes.map((c) => c.stamp.slice(-16)));
    expect(nodes.has(creds.node)).toBe(false);
    expect([...nodes].sort()).toEqual([...new Set([relayStore.nodeId, ...startLog.changes.map((c) => c.stamp.slice(-16)), a.desk.store.nodeId, b.desk.store.nodeId])].sort());
    expect(full.changes.some((c) => typeof c.value === 'string' && c.value.startsWith('Junk '))).toBe(false);
    const relayTables = Object.fromEntries(
      await Promise.all(TABLES.map(async (t) => [t, await relayStore.db.selectFrom(t as never).selectAll().execute()] as const)),
    );
    expect(sortedRows(relayTables)).toEqual(sortedRows(dumpSyncedTables(a.desk, TABLES)));
  }, 240_000);

  it('a text value PostgreSQL cannot hold (NUL) is refused as invalid on both engines, and nothing is written', async () => {
    f = await startRelayFixture(engine);
    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    const paired = await redeem(f.storage, { code, deviceName: 'Fuzzer' });
    const store = await f.storage.workspaceStore(f.workspace.id);
    const before = await store.changesSince(0, { limit: 1e6 });
    const node = 'f1f1f1f1f1f1f1f1';
    for (const change of [
      { table: 'customers', row: randomUUID(), column: 'first_name', value: 'Ann\u0000e' },
      { table: 'notes', row: `note\u0000${randomUUID()}`, column: 'body', value: 'hello' },
    ]) {
      const s = await RawSyncSocket.open(f.relay.url, bearer(paired.deviceId, paired.secret));
      s.send({ t: 'hello', node, cursor: before.cursor });
      await s.next((fr) => fr.t === 'changes');
      s.send({ t: 'push', id: 1, changes: [{ ...change, stamp: formatStamp({ millis: Date.now(), counter: 0, node }) }] });
      // Either the relay closes, or it answers (accepted it): no need to wait out a deadline for the latter.
      await Promise.race([s.waitClosed(), s.next((fr) => fr.t === 'pushed').catch(() => null)]);
      const answers = s.frames.filter((fr) => ['error', 'pushed'].includes((fr as { t: string }).t));
      await s.close();
      expect({ close: s.closedWith?.code, answers }).toEqual({
        close: 4400,
        answers: [expect.objectContaining({ t: 'error', code: expect.stringMatching(/^invalid-(frame|change)$/) })],
      });
    }
    expect((await store.changesSince(0, { limit: 1e6 })).changes).toEqual(before.changes);
    expect((await fetch(`${f.relay.url}/healthz`)).status).toBe(200);
  });

  it("a note pasted with a NUL character in it does not stall the desk's sync", async () => {
    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk('Front desk');
    const b = await f.pairNewDesk('Estimator');
    const ro = await call<RepairOrderDetail>(a.desk, 'ro-check-in', checkIn('Nul', 'NUL 1'));
    // Refusing the note is fine; accepting it and then never syncing again is not.
    await a.desk.call('note-add', { roId: ro.id, body: 'copied from the estimate PDF:\u0000 rear bumper' }, a.desk.newSession());
    const after = await call<RepairOrderDetail>(a.desk, 'ro-check-in', checkIn('After', 'NUL 2'));
    await eventually('the next RO on desk B', async () => (await call<RepairOrderSummary[]>(b.desk, 'ro-board', {})).some((r) => r.id === after.id));
    await eventually('desk A to have nothing waiting', async () => (await call<SyncStatus>(a.desk, 'sync-status', {})).changesWaiting === 0);
  });
});

/** Rows as sorted JSON per table, with absent and null alike and columns in one order (PostgreSQL orders text by collation). */
function sortedRows(tables: Record<string, readonly unknown[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(tables).map(([t, rows]) => [
      t,
      rows
        .map((r) =>
          JSON.stringify(
            Object.fromEntries(
              Object.entries(r as Record<string, unknown>)
                .map(([k, v]) => [k, v ?? null] as const)
                .sort(([x], [y]) => (x < y ? -1 : 1)),
            ),
          ),
        )
        .sort(),
    ]),
  );
}
