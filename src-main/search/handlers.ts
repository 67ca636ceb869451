// Search as you type over repair orders: name, phone, plate, VIN (or its last six), RO and claim number.
import type { HandlerMap } from '../api/dispatch.js';
import { loadSummaries } from '../repair-orders/queries.js';
import { searchIds } from './search-index.js';

export const searchHandlers: Partial<HandlerMap> = {
  'search-query': async (args, { desk }) => {
    // Fetch a few more than asked so open repairs can be listed before closed ones, but read
    // the full cards only for those shown: that read is what costs, not the index.
    const ids = searchIds(desk.sqlite, 'ro', args.q, args.limit * 3);
    if (ids.length === 0) return [];
    const closed = await desk.db.selectFrom('repair_orders').select(['id', 'closed_at']).where('id', 'in', ids).execute();
    const isClosed = new Map(closed.map((r) => [r.id, r.closed_at !== null]));
    const shown = [...ids]
      .sort((a, b) => Number(isClosed.get(a) ?? true) - Number(isClosed.get(b) ?? true))
      .slice(0, args.limit);
    const summaries = new Map((await loadSummaries(desk, { ids: shown })).map((s) => [s.id, s]));
    return shown.flatMap((id) => summaries.get(id) ?? []);
  },
};
