// Data that follows the desk: loaded once, and loaded again whenever the desk says one of the
// named tables changed (here or on another desk). A burst of events costs one extra load, not one each.
import { type Dispatch, type SetStateAction, useCallback, useEffect, useRef, useState } from 'react';
import type { BaylineApi } from '../../src-shared/api/contract.js';
import { messageOf } from './format.js';

/**
 * Said when the link to the desk comes back after a drop: events were missed meanwhile, so
 * everything on screen is loaded again.
 */
const reconnects = new EventTarget();
export function announceReconnect(): void {
  reconnects.dispatchEvent(new Event('reconnect'));
}

export function onReconnect(listener: () => void): () => void {
  reconnects.addEventListener('reconnect', listener);
  return () => reconnects.removeEventListener('reconnect', listener);
}

export interface Live<T> {
  data: T | null;
  problem: string | null;
  reload(): Promise<void>;
  /** Replaces the data with an answer the screen already has (a write returns the new state). */
  set: Dispatch<SetStateAction<T | null>>;
}

export function useLive<T>(api: BaylineApi, load: () => Promise<T>, tables: readonly string[] | 'all', deps: unknown[]): Live<T> {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const busy = useRef(false);
  const again = useRef(false);
  const current = useRef(load);
  current.current = load;

  const reload = useCallback(async () => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    try {
      do {
        again.current = false;
        try {
          setData(await current.current());
          setProblem(null);
        } catch (err) {
          setProblem(messageOf(err));
        }
      } while (again.current);
    } finally {
      busy.current = false;
    }
  }, []);

  useEffect(() => {
    setData(null);
    void reload();
    const stopReconnect = onReconnect(() => void reload());
    const stop = api.onEvent((event) => {
      if (event.type !== 'changed') return;
      if (tables === 'all' || event.tables.some((t) => tables.includes(t))) void reload();
    });
    return () => {
      stop();
      stopReconnect();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, reload, ...deps]);

  return { data, problem, reload, set: setData };
}
