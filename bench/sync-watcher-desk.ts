// Desk B of the deployed-shape sync bench (bench/sync-deployed.ts), in a process of its own as on
// its own PC: opens the paired desk in the folder it is given, and tells the bench over IPC
// - when a repair it was asked to watch shows the stage it was told to expect (the watch is sent
//   before desk A's edit starts; a change that arrived before the watch is answered at once);
// - for the catch-up, when asked: closes its desk ('offline'), and later opens it again and times
//   it until it holds everything the relay had ('online' → 'caught-up', with its own RSS).
//   node --import tsx bench/sync-watcher-desk.ts <dataDir>
import { Desk } from '../src-main/desk.js';

type Order =
  | { t: 'watch'; n: number; roId: string; stage: string }
  | { t: 'has'; ids: string[] }
  | { t: 'ping'; n: number }
  | { t: 'offline' }
  | { t: 'online' }
  | { t: 'close' };

const dataDir = process.argv[2];
if (!dataDir || !process.send) throw new Error('usage: fork bench/sync-watcher-desk.ts <dataDir> with an IPC channel');
const send = (message: object) => process.send!(message);
// When B's latest apply started, in epoch milliseconds (performance.timeOrigin + now), so the
// bench can place it on its own timeline (its 'changed' event fires before the apply returns).
const epoch = () => performance.timeOrigin + performance.now();

let applyStarted: number | null = null;
const mib = () => process.memoryUsage().rss / 1024 / 1024;
/** B's highest RSS since the catch-up started (sampled on a timer and after every page). */
let rssPeak = 0;
function sampleRss(): void {
  rssPeak = Math.max(rssPeak, mib());
}
/** Milliseconds spent in applyRemote, and how many calls, since the last reset. */
let applying = { ms: 0, calls: 0 };
let watch: Extract<Order, { t: 'watch' }> | null = null;
let waitingFor: string[] | null = null;

async function open(): Promise<Desk> {
  const desk = await Desk.open({ dataDir: dataDir! });
  const applyRemote = desk.store.applyRemote.bind(desk.store);
  desk.store.applyRemote = async (...args: Parameters<typeof applyRemote>) => {
    applyStarted = epoch();
    const t0 = performance.now();
    try {
      return await applyRemote(...args);
    } finally {
      applying.ms += performance.now() - t0;
      applying.calls += 1;
      // The sampler's timer cannot run during a page's apply: each page's end is sampled too.
      sampleRss();
    }
  };
  const stageOf = desk.sqlite.prepare('SELECT stage FROM repair_orders WHERE id = ?').pluck();
  const exists = desk.sqlite.prepare('SELECT 1 FROM repair_orders WHERE id = ?').pluck();
  look = () => {
    if (watch && stageOf.get(watch.roId) === watch.stage) {
      send({ t: 'seen', n: watch.n, applyStarted, at: epoch() });
      watch = null;
    }
    if (waitingFor && waitingFor.every((id) => exists.get(id))) {
      waitingFor = null;
      send({ t: 'has' });
    }
  };
  desk.onEvent((event) => {
    if (event.type === 'changed' && event.tables.includes('repair_orders')) look();
  });
  return desk;
}

let look = () => {};
let desk: Desk | null = await open();
await desk.syncClient!.whenCaughtUp(60_000);

/** Changes in B's log made by other desks: what it pulled from the relay. */
const pulled = (d: Desk) => d.sqlite.prepare('SELECT count(*) FROM changes WHERE node <> ?').pluck().get(d.store.nodeId) as number;

/** What B had pulled when it went offline. */
let pulledAtClose = 0;

async function catchUp(): Promise<object> {
  const rssBefore = mib();
  rssPeak = rssBefore;
  const sampler = setInterval(sampleRss, 20);
  applying = { ms: 0, calls: 0 };
  const t0 = performance.now();
  try {
    desk = await open();
    const opened = performance.now() - t0;
    await desk.syncClient!.whenCaughtUp(120_000);
    const ms = performance.now() - t0;
    sampleRss();
    return { t: 'caught-up', changes: pulled(desk) - pulledAtClose, ms, openMs: opened, applyMs: applying.ms, pages: applying.calls, rssBeforeMiB: rssBefore, rssPeakMiB: rssPeak };
  } finally {
    clearInterval(sampler);
  }
}

process.on('message', (order: Order) => {
  if (order.t === 'watch') watch = order;
  else if (order.t === 'has') waitingFor = order.ids;
  else if (order.t === 'ping') return send({ t: 'pong', n: order.n });
  else if (order.t === 'offline') {
    const closing = desk;
    desk = null;
    if (closing) pulledAtClose = pulled(closing);
    look = () => {};
    void (closing?.close() ?? Promise.resolve()).then(() => send({ t: 'offline' }));
    return;
  } else if (order.t === 'online') {
    catchUp().then(send, (err: Error) => {
      console.error(err);
      process.exit(1);
    });
    return;
  } else if (order.t === 'close') {
    void (desk?.close() ?? Promise.resolve()).then(() => process.exit(0));
    return;
  }
  look();
});
send({ t: 'ready' });
