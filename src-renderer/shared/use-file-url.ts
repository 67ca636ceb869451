// A file the desk holds, as an address an <img> or link can use (a blob: URL made from its bytes,
// freed when the screen no longer shows it). Null while loading or while it has not arrived yet.
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
    api.files.read(hash).then(
      (bytes) => {
        if (cancelled) return;
        if (!bytes) return setState({ url: null, missing: true });
        url = URL.createObjectURL(new Blob([bytes], { type: mimeType }));
        setState({ url, missing: false });
      },
      () => !cancelled && setState({ url: null, missing: true }),
    );
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, hash, mimeType, retryKey]);
  return state;
}
