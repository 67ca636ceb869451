// The board's cards, following the desk. A `changed` event that names its rows reads back only
// the cards those rows touch (`ro-board-rows`); anything else reads the whole board again. Either
// way a card whose repair did not change keeps its object, so its memoised component does not
// render again: a stage move made on another desk repaints one card, not five hundred.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BaylineApi } from '../../src-shared/api/contract.js';
import type { ChangedEvent, RepairOrderSummary } from '../../src-shared/domain.js';
import { messageOf } from '../shared/format.js';
import { onReconnect } from '../shared/use-live.js';

/** Tables whose rows make up a card; a change to any other table leaves the board as it is. */
const CARD_TABLES = new Set(['repair_orders', 'customers', 'vehicles', 'ro_exceptions', 'attachments', 'messages', 'sub_statuses', 'workspace_settings']);
/** Of those, the ones `ro-board-rows` can follow row by row (a sub-status renamed or the shop's time zone changed: everything is read again). */
const BY_ROW = new Set(['repair_orders', 'customers', 'vehicles', 'ro_exceptions', 'attachments', 'messages']);

export interface BoardData {
  data: RepairOrderSummary[] | null;
  problem: string | null;
  /** Reads the whole board again. */
  reload(): Promise<void>;
  /** Reads back the cards of these repairs only. */
  refresh(roIds: readonly string[]): Promise<void>;
  /** Shows a card as it will be before the desk confirms it (a move just made here). */
  patch(id: string, change: Partial<RepairOrderSummary>): void;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether two cards show the same thing (every field of a summary is a value or a list of strings). */
export function sameCard(a: RepairOrderSummary, b: RepairOrderSummary): boolean {
  for (const key of Object.keys(b) as Array<keyof RepairOrderSummary>) {
    const x = a[key];
    const y = b[key];
    if (Array.isArray(x) && Array.isArray(y)) {
      if (!sameStrings(x as string[], y as string[])) return false;
    } else if (x !== y) return false;
  }
  return Object.keys(a).length === Object.keys(b).length;
}

/** The whole board read again: the cards that did not change keep their objects (and the list itself if nothing did). */
export function shareWhole(prev: RepairOrderSummary[] | null, next: RepairOrderSummary[]): RepairOrderSummary[] {
  if (!prev) return next;
  const before = new Map(prev.map((r) => [r.id, r]));
  let changed = prev.length !== next.length;
  const out = next.map((r, i) => {
    const old = before.get(r.id);
    if (old && sameCard(old, r)) {
      if (prev[i] !== old) changed = true;
      return old;
    }
    changed = true;
    return r;
  });
  return changed ? out : prev;
}

/** Some cards read again: `checked` repairs not among `fresh` left the board. Order by RO number, as `ro-board` gives it. */
export function mergeRows(prev: RepairOrderSummary[], checked: readonly string[], fresh: readonly RepairOrderSummary[]): RepairOrderSummary[] {
  const gone = new Set(checked);
  const incoming = new Map(fresh.map((r) => [r.id, r]));
  let changed = false;
  const out: RepairOrderSummary[] = [];
  for (const r of prev) {
    if (!gone.has(r.id)) {
      out.push(r);
      continue;
    }
    const now = incoming.get(r.id);
    incoming.delete(r.id);
    if (!now) changed = true;
    else if (sameCard(r, now)) out.push(r);
    else {
      changed = true;
      out.push(now);
    }
  }
  if (incoming.size > 0) {
    changed = true;
    out.push(...incoming.values());
    out.sort((a, b) => a.roNumber - b.roNumber);
  }
  return changed ? out : prev;
}

/** The repairs' rows a `changed` event names, or null when the whole board must be read (or nothing on it changed: empty). */
export function rowsForBoard(event: ChangedEvent): Record<string, string[]> | null | 'none' {
  const tables = event.tables.filter((t) => CARD_TABLES.has(t));
  if (tables.length === 0) return 'none';
  if (!event.rows || tables.some((t) => !BY_ROW.has(t))) return null;
  return Object.fromEntries(tables.map((t) => [t, event.rows![t] ?? []]));
}

export function useBoard(api: BaylineApi): BoardData {
  const [data, setData] = useState<RepairOrderSummary[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // One read at a time, in order: what came in meanwhile is gathered and read after.
  const busy = useRef(false);
  const wantAll = useRef(false);
  const wantRows = useRef<Map<string, Set<string>>>(new Map());

  const pump = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      while (wantAll.current || wantRows.current.size > 0) {
        try {
          if (wantAll.current) {
            wantAll.current = false;
            wantRows.current = new Map();
            const all = await api.call('ro-board', {});
            setData((prev) => shareWhole(prev, all));
          } else {
            const rows = Object.fromEntries([...wantRows.current].map(([t, ids]) => [t, [...ids]]));
            wantRows.current = new Map();
            const { checked, ros } = await api.call('ro-board-rows', { rows });
            setData((prev) => (prev ? mergeRows(prev, checked, ros) : prev));
          }
          setProblem(null);
        } catch (err) {
          setProblem(messageOf(err));
        }
      }
    } finally {
      busy.current = false;
    }
  }, [api]);

  const reload = useCallback(async () => {
    wantAll.current = true;
    await pump();
  }, [pump]);

  const want = useCallback(
    (rows: Record<string, readonly string[]>) => {
      let count = 0;
      for (const [table, ids] of Object.entries(rows)) {
        let set = wantRows.current.get(table);
        if (!set) wantRows.current.set(table, (set = new Set()));
        for (const id of ids) set.add(id);
        count += set.size;
      }
      // A burst of many small changes: one read of the whole board is cheaper.
      if (count > 500) wantAll.current = true;
      void pump();
    },
    [pump],
  );

  const refresh = useCallback(async (roIds: readonly string[]) => {
    want({ repair_orders: roIds });
    await pump();
  }, [want, pump]);

  const patch = useCallback((id: string, change: Partial<RepairOrderSummary>) => {
    setData((prev) => prev?.map((r) => (r.id === id ? { ...r, ...change } : r)) ?? prev);
  }, []);

  useEffect(() => {
    setData(null);
    void reload();
    const stopReconnect = onReconnect(() => void reload());
    const stop = api.onEvent((event) => {
      if (event.type !== 'changed') return;
      const rows = rowsForBoard(event);
      if (rows === 'none') return;
      if (rows === null) {
        wantAll.current = true;
        void pump();
      } else want(rows);
    });
    return () => {
      stop();
      stopReconnect();
    };
  }, [api, reload, pump, want]);

  return { data, problem, reload, refresh, patch };
}
