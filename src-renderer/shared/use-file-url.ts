// A file the desk holds, as an address an <img> or link can use (a blob: URL made from its bytes,
// freed when the screen no longer shows it). Null while loading or while it has not arrived yet;
// a file still on its way from another desk (a bay photo) is asked for again until it is here.
import { useEffect, useState } from 'react';
import type { BaylineApi } from '../../src-shared/api/contract.js';

export function useFileUrl(api: BaylineApi, hash: string | null, mimeType: string, retryKey: unknown = null): { url: string | null; missing: boolean } {
  const [state, setState] = useState<{ url: string | null; missing: boolean }>({ url: null, missing: false });
  useEffect(() => {
    if (!hash) {
      setState({ url: null, missing: false });
      return;
    }
    let url: string | null = null;
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const read = (attempt: number) =>
      api.files.read(hash).then(
        (bytes) => {
          if (cancelled) return;
          if (!bytes) {
            setState({ url: null, missing: true });
            retry = setTimeout(() => read(attempt + 1), Math.min(1000 * 2 ** attempt, 15_000));
            return;
          }
          url = URL.createObjectURL(new Blob([bytes], { type: mimeType }));
          setState({ url, missing: false });
        },
        () => !cancelled && setState({ url: null, missing: true }),
      );
    void read(0);
    return () => {
      cancelled = true;
      if (retry) clearTimeout(retry);
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, hash, mimeType, retryKey]);
  return state;
}
