// Search as you type over repair orders: name, phone, plate, VIN (or its last six), RO and claim number.
import type { HandlerMap } from '../api/dispatch.js';
import { loadSummaries } from '../repair-orders/queries.js';
import { searchIds } from './search-index.js';

export const searchHandlers: Partial<HandlerMap> = {
  'search-query': async (args, { desk }) => {
    // Fetch a few more than asked so open repairs can be listed before closed ones.
    const ids = searchIds(desk.sqlite, 'ro', args.q, args.limit * 3);
    const summaries = await loadSummaries(desk, { ids });
    const rank = new Map(ids.map((id, i) => [id, i]));
    return summaries
      .sort((a, b) => Number(a.closed) - Number(b.closed) || rank.get(a.id)! - rank.get(b.id)!)
      .slice(0, args.limit);
  },
};
