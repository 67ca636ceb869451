// The typed API over the browser host's WebSocket: installs `window.bayline` when the page runs in
// a plain browser (Electron's preload installs it otherwise), and keeps the connection alive.
import type { ApiMethod, ArgsOf, BaylineApi, BaylineFiles, PushEvent, ResultOf } from '../../src-shared/api/contract.js';
import { ApiError, type ApiErrorBody } from '../../src-shared/api/errors.js';

/**
 * connecting: first attempt under way · open: calls go through · reconnecting: the desk dropped
 * or refused us and we keep trying · no-key: the page was opened without the launch link.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'no-key';

export interface DeskConnection {
  readonly state: ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
}

const KEY_STORAGE = 'bayline.launch-key';
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

const UNREACHABLE =
  'Bayline cannot reach the desk program on this computer. Check that Bayline is still running; if you restarted it, open the new link it printed.';
const CONNECTION_LOST =
  'The connection to the Bayline desk dropped before it answered, so this action may or may not have been saved. Check, then try again.';
const NO_KEY =
  'This page was opened without its key. Open the link Bayline printed when it started (it looks like http://127.0.0.1:4780/#k=…).';

/** Installs the WebSocket transport as `window.bayline` unless a transport (Electron's preload) is already there. */
export function installBrowserTransport(): DeskConnection | null {
  if (window.bayline) return null;
  const key = takeLaunchKey();
  const transport = new WebSocketTransport(`ws://${location.host}/rpc`, key);
  const api: BaylineApi = {
    call: (method, args) => transport.call(method, args),
    onEvent: (listener) => transport.onEvent(listener),
    files: httpFiles(key),
  };
  Object.defineProperty(window, 'bayline', { value: Object.freeze(api), enumerable: true });
  return transport;
}

/**
 * The launch key arrives once in the address (`#k=…`). It is kept for this tab only and taken out
 * of the address bar, so it is not bookmarked, kept in history or shown in a screenshot.
 */
function takeLaunchKey(): string | null {
  const fromAddress = new URLSearchParams(location.hash.replace(/^#/, '')).get('k');
  if (fromAddress) {
    try {
      sessionStorage.setItem(KEY_STORAGE, fromAddress);
    } catch {
      // Storage disabled: the key still works until the tab is reloaded.
    }
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    return fromAddress;
  }
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

/** Files over the browser host's /files routes, with the launch key as a bearer token. */
function httpFiles(key: string | null): BaylineFiles {
  const headers = (): Record<string, string> => {
    if (!key) throw new ApiError('unauthorized', NO_KEY);
    return { authorization: `Bearer ${key}` };
  };
  return {
    async upload(file, mimeType) {
      let res: Response;
      try {
        // The browser sends a File from disk as it reads it; the desk streams it to its file store.
        res = await fetch('/files', { method: 'POST', body: file, headers: { ...headers(), 'content-type': mimeType } });
      } catch {
        throw new ApiError('unreachable', UNREACHABLE);
      }
      const body = (await res.json().catch(() => null)) as ({ hash: string; sizeBytes: number; mimeType?: string } & Partial<ApiErrorBody>) | null;
      if (!res.ok || !body?.hash) throw ApiError.fromBody({ code: body?.code ?? 'internal', message: body?.message ?? CONNECTION_LOST });
      return { hash: body.hash, sizeBytes: body.sizeBytes, mimeType: body.mimeType };
    },
    async read(hash) {
      let res: Response;
      try {
        res = await fetch(`/files/${encodeURIComponent(hash)}`, { headers: headers() });
      } catch {
        throw new ApiError('unreachable', UNREACHABLE);
      }
      if (res.status === 404) return null;
      if (!res.ok) throw new ApiError('internal', 'The desk could not send this file.');
      return res.arrayBuffer();
    },
  };
}

interface PendingCall {
  frame: string;
  resolve: (result: unknown) => void;
  reject: (error: ApiError) => void;
  sent: boolean;
}

class WebSocketTransport implements DeskConnection {
  state: ConnectionState;
  private socket: WebSocket | null = null;
  private nextId = 1;
  private failedAttempts = 0;
  private readonly pending = new Map<number, PendingCall>();
  private readonly eventListeners = new Set<(event: PushEvent) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();

  constructor(
    private readonly url: string,
    private readonly key: string | null,
  ) {
    this.state = key ? 'connecting' : 'no-key';
    if (key) this.connect();
  }

  call<M extends ApiMethod>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>> {
    if (!this.key) return Promise.reject(new ApiError('unauthorized', NO_KEY));
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const call: PendingCall = {
        frame: JSON.stringify({ id, method, args }),
        resolve: resolve as (result: unknown) => void,
        reject,
        sent: false,
      };
      this.pending.set(id, call);
      // Otherwise the call waits for the connection being (re)opened.
      if (this.socket?.readyState === WebSocket.OPEN) this.send(call);
    });
  }

  onEvent(listener: (event: PushEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => {
      this.eventListeners.delete(listener);
    };
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  private connect(): void {
    const socket = new WebSocket(this.url, [`bayline.${this.key}`]);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.failedAttempts = 0;
      this.setState('open');
      for (const call of this.pending.values()) if (!call.sent) this.send(call);
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      // Sent calls will never be answered on a new connection; waiting calls fail only when we
      // could not connect at all, so a short blip does not surface as an error.
      for (const [id, call] of this.pending) {
        if (call.sent || !opened) {
          this.pending.delete(id);
          call.reject(new ApiError('unreachable', call.sent ? CONNECTION_LOST : UNREACHABLE));
        }
      }
      this.setState('reconnecting');
      this.failedAttempts += 1;
      const backoff = Math.min(FIRST_RETRY_MS * 2 ** (this.failedAttempts - 1), MAX_RETRY_MS);
      // Jitter keeps several tabs from knocking at the same instant after a desk restart.
      setTimeout(() => this.connect(), backoff * (0.75 + Math.random() * 0.5));
    };
    // An error is always followed by close, which does the work.
    socket.onerror = () => {};
  }

  private send(call: PendingCall): void {
    call.sent = true;
    this.socket!.send(call.frame);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let frame: { id?: unknown; ok?: unknown; result?: unknown; error?: ApiErrorBody; event?: PushEvent };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    if (frame.event) {
      for (const listener of this.eventListeners) {
        try {
          listener(frame.event);
        } catch (err) {
          console.error('[bayline] event listener failed', err);
        }
      }
      return;
    }
    if (typeof frame.id !== 'number') return;
    const call = this.pending.get(frame.id);
    if (!call) return;
    this.pending.delete(frame.id);
    if (frame.ok === true) call.resolve(frame.result);
    else call.reject(ApiError.fromBody(frame.error ?? { code: 'internal', message: CONNECTION_LOST }));
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
