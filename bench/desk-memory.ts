// Child process of the search benchmark: opens a desk on a built workspace, types the queries it
// is given through the API (as the front desk would), and prints its own memory as JSON. Run
// apart so the figure is the desk's alone, not the benchmark's list of every repair order.
import { Desk } from '../src-main/desk.js';

const [dataDir, slug, queriesJson] = process.argv.slice(2);
if (!dataDir || !slug || !queriesJson) throw new Error('usage: desk-memory.ts <dataDir> <slug> <queries as a JSON array>');
const queries = JSON.parse(queriesJson) as string[];
const idle = process.memoryUsage();
const desk = await Desk.open({ dataDir, workspace: { name: 'Bench Shop', slug } });
const opened = process.memoryUsage();
const session = desk.newSession();
for (let pass = 0; pass < 3; pass++) {
  for (const q of queries) {
    const out = await desk.call('search-query', { q, limit: 20 }, session);
    if (!out.ok) throw new Error(`search-query ${JSON.stringify(q)}: ${out.error.message}`);
  }
  const board = await desk.call('ro-board', {}, session);
  if (!board.ok) throw new Error(board.error.message);
}
const typed = process.memoryUsage();
await desk.close();
process.stdout.write(`${JSON.stringify({ idle, opened, typed })}\n`);
