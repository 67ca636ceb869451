// Desk B of the deployed-shape edit bench (bench/sync-deployed.ts), in a process of its own as
// on its own PC: opens the paired desk in the folder it is given, and tells the bench over IPC
// when a repair it was asked to watch shows the stage it was told to expect. The watch is sent
// before desk A's edit starts; a change that arrived before the watch is answered at once.
//   node --import tsx bench/sync-watcher-desk.ts <dataDir>
import { Desk } from '../src-main/desk.js';

type Order = { t: 'watch'; n: number; roId: string; stage: string } | { t: 'has'; ids: string[] } | { t: 'ping'; n: number } | { t: 'close' };

const dataDir = process.argv[2];
if (!dataDir || !process.send) throw new Error('usage: fork bench/sync-watcher-desk.ts <dataDir> with an IPC channel');
const send = (message: object) => process.send!(message);

const desk = await Desk.open({ dataDir });
await desk.syncClient!.whenCaughtUp(60_000);
// When B's latest apply started, in epoch milliseconds (performance.timeOrigin + now), so the
// bench can place it on its own timeline (its 'changed' event fires before the apply returns).
const epoch = () => performance.timeOrigin + performance.now();
let applyStarted: number | null = null;
const applyRemote = desk.store.applyRemote.bind(desk.store);
desk.store.applyRemote = (...args: Parameters<typeof applyRemote>) => {
  applyStarted = epoch();
  return applyRemote(...args);
};
const stageOf = desk.sqlite.prepare('SELECT stage FROM repair_orders WHERE id = ?').pluck();
const exists = desk.sqlite.prepare('SELECT 1 FROM repair_orders WHERE id = ?').pluck();

let watch: Extract<Order, { t: 'watch' }> | null = null;
let waitingFor: string[] | null = null;
const look = () => {
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
process.on('message', (order: Order) => {
  if (order.t === 'watch') watch = order;
  else if (order.t === 'has') waitingFor = order.ids;
  else if (order.t === 'ping') return send({ t: 'pong', n: order.n });
  else if (order.t === 'close') {
    void desk.close().then(() => process.exit(0));
    return;
  }
  look();
});
send({ t: 'ready' });
