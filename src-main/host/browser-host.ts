// The browser host: serves the built renderer and the typed API over a WebSocket on 127.0.0.1,
// so the desk runs in a plain browser where Electron cannot (and so the UI can be tested in Chromium).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { PushEvent } from '../../src-shared/api/contract.js';
import { ApiError, type ApiErrorBody } from '../../src-shared/api/errors.js';
import { DeskFileRefused, importDeskFile, readDeskFile, TOO_LARGE_MESSAGE } from '../blobs/desk-files.js';
import { MAX_IMPORT_BYTES, sniffMimeType } from '../blobs/local-blobs.js';
import type { CallOutcome } from '../api/dispatch.js';
import type { Desk } from '../desk.js';
import { deskCsp } from './desk-csp.js';

/** The built renderer in this checkout, wherever the process was started from. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export const RPC_PATH = '/rpc';
export const SUBPROTOCOL_PREFIX = 'bayline.';
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Photos and PDFs from the page: POST /files (body = the file) and GET /files/<sha256>, with `Authorization: Bearer <secret>`. */
export const FILES_PATH = '/files';

/** What the host needs from the desk core; a structural slice so the host never reaches further in. */
export type HostedDesk = Pick<Desk, 'newSession' | 'call' | 'onEvent' | 'dataDir'>;

export interface BrowserHostOptions {
  desk: HostedDesk;
  /** 0 picks a free port. */
  port: number;
  /** Folder with the built renderer (index.html + assets). */
  rendererDir?: string;
}

export interface BrowserHost {
  /** The address to open, with the launch secret in the fragment (fragments never reach the server or a Referer). */
  url: string;
  port: number;
  secret: string;
  close(): Promise<void>;
}

/** Client → server frame. */
interface CallFrame {
  id: number;
  method: string;
  args: unknown;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
};

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const { desk } = options;
  const rendererDir = path.resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  const secret = crypto.randomBytes(32).toString('base64url');
  const expectedProtocol = Buffer.from(`${SUBPROTOCOL_PREFIX}${secret}`);
  const expectedBearer = Buffer.from(`Bearer ${secret}`);

  // Filled in once listening; until then no request can arrive.
  let port = 0;
  let ownHosts = new Set<string>();
  let ownOrigins = new Set<string>();

  const server = http.createServer((req, res) => {
    // A page on another site that rebinds its DNS name to 127.0.0.1 arrives with its own Host.
    if (!ownHosts.has(req.headers.host ?? '')) {
      sendText(res, 421, 'This address does not belong to the Bayline desk.');
      return;
    }
    const target = requestPath(req.url);
    if (target === FILES_PATH || target.startsWith(`${FILES_PATH}/`)) {
      serveFiles(req, res, target, desk.dataDir, expectedBearer, ownOrigins).catch((err: unknown) => {
        console.error('[browser-host] file request failed', err);
        if (!res.headersSent) sendJson(res, 500, { code: 'internal', message: 'The Bayline desk could not store or read this file.' });
        else res.destroy();
      });
      return;
    }
    serveRenderer(req, res, rendererDir, port).catch((err: unknown) => {
      console.error('[browser-host] could not serve', req.url, err);
      if (!res.headersSent) sendText(res, 500, 'The Bayline desk could not send this page.');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // The browser drops the connection unless the server echoes one of the offered protocols.
    handleProtocols: (protocols) => [...protocols].find((p) => protocolMatches(p, expectedProtocol)) ?? false,
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (requestPath(req.url) !== RPC_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!ownHosts.has(req.headers.host ?? '')) return refuseUpgrade(socket, 421, 'Misdirected Request');
    // Browsers always send Origin; a page from anywhere else must not drive the desk even if it
    // somehow learned the secret. Non-browser clients (tests, tools) may omit it.
    const origin = req.headers.origin;
    if (origin !== undefined && !ownOrigins.has(origin)) return refuseUpgrade(socket, 403, 'Forbidden');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.some((p) => protocolMatches(p, expectedProtocol))) return refuseUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  /** Each connection's session: an event for one session goes to that tab only. */
  const sessionOf = new WeakMap<WebSocket, string>();
  wss.on('connection', (ws: WebSocket) => {
    const session = desk.newSession();
    sessionOf.set(ws, session.id);
    ws.on('error', (err) => {
      // ws closes the socket itself (1009 for an oversized frame); the listener keeps the process alive.
      console.warn(`[browser-host] connection ${session.id}: ${err.message}`);
    });
    ws.on('message', (data, isBinary) => {
      const frame = readFrame(data, isBinary);
      if (frame.kind === 'unreadable') {
        ws.close(1003, frame.reason);
        return;
      }
      if (frame.kind === 'malformed') {
        reply(ws, frame.id, { ok: false, error: { code: 'invalid-args', message: frame.reason } });
        return;
      }
      const { id, method, args } = frame.call;
      desk.call(method, args, session).then(
        (outcome) => reply(ws, id, outcome),
        (err: unknown) => {
          // dispatch() turns handler failures into outcomes; reaching here means the desk itself broke.
          console.error(`[browser-host] ${method} failed outside the dispatcher:`, err);
          reply(ws, id, { ok: false, error: internalError() });
        },
      );
    });
  });

  const stopEvents = desk.onEvent((event: PushEvent, sessionId: string | null) => {
    const text = JSON.stringify({ event });
    for (const client of wss.clients) {
      if (sessionId !== null && sessionOf.get(client) !== sessionId) continue;
      if (client.readyState === WebSocket.OPEN) client.send(text);
    }
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: options.port, host: '127.0.0.1' }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    stopEvents();
    wss.close();
    throw err;
  }
  server.on('error', (err) => console.error('[browser-host] server error:', err));

  port = (server.address() as AddressInfo).port;
  ownHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  ownOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/#k=${secret}`,
    port,
    secret,
    close() {
      closing ??= (async () => {
        stopEvents();
        await Promise.all([...wss.clients].map((client) => closeClient(client)));
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

type ReadFrame =
  | { kind: 'call'; call: CallFrame }
  | { kind: 'malformed'; id: number; reason: string }
  | { kind: 'unreadable'; reason: string };

/** Sorts a frame into a call, a frame we can answer with an error (it has an id), or one we cannot. */
function readFrame(data: RawData, isBinary: boolean): ReadFrame {
  if (isBinary) return { kind: 'unreadable', reason: 'Frames must be JSON text' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawText(data));
  } catch {
    return { kind: 'unreadable', reason: 'Frames must be JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: 'unreadable', reason: 'Frames must be JSON objects' };
  }
  const { id, method, args } = parsed as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isFinite(id)) return { kind: 'unreadable', reason: 'Frames need a numeric id' };
  if (typeof method !== 'string') {
    return { kind: 'malformed', id, reason: 'The request is missing the name of the API method to call.' };
  }
  return { kind: 'call', call: { id, method, args } };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function reply(ws: WebSocket, id: number, outcome: CallOutcome): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  let text: string;
  try {
    text = JSON.stringify({ id, ...outcome });
  } catch (err) {
    console.error('[browser-host] result could not be sent as JSON:', err);
    text = JSON.stringify({ id, ok: false, error: internalError() });
  }
  ws.send(text);
}

function internalError(): ApiErrorBody {
  return {
    code: 'internal',
    message:
      'Something went wrong inside Bayline; the last action may not have been saved. Check it, and if it keeps happening, note the time and call support.',
  };
}

function protocolMatches(offered: string, expected: Buffer): boolean {
  const candidate = Buffer.from(offered);
  return candidate.length === expected.length && crypto.timingSafeEqual(candidate, expected);
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function closeClient(client: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (client.readyState === WebSocket.CLOSED) return resolve();
    client.once('close', () => resolve());
    client.close(1001, 'The Bayline desk is shutting down');
    // A peer that never answers the closing handshake must not hold up shutdown.
    setTimeout(() => client.terminate(), 1000).unref();
  });
}

/** The path part of a request target, still percent-encoded. */
function requestPath(url: string | undefined): string {
  return (url ?? '/').split(/[?#]/, 1)[0] ?? '/';
}

/**
 * The page's file routes. The launch secret travels in the Authorization header (never in the
 * address, so it is in no history or log); a browser page on another origin cannot set that header
 * without a CORS preflight, which this server never answers, and its Origin is refused as well.
 */
async function serveFiles(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: string,
  dataDir: string,
  expectedBearer: Buffer,
  ownOrigins: Set<string>,
) {
  const origin = req.headers.origin;
  if (origin !== undefined && !ownOrigins.has(origin)) return sendJson(res, 403, { code: 'not-allowed', message: 'This page may not use Bayline.' });
  if (!protocolMatches(req.headers.authorization ?? '', expectedBearer)) {
    return sendJson(res, 401, { code: 'unauthorized', message: 'This page was opened without its key. Open the link Bayline printed when it started.' });
  }
  if (target === FILES_PATH) {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendJson(res, 405, { code: 'not-allowed', message: 'Files are added with POST.' });
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > MAX_IMPORT_BYTES) {
      req.resume();
      return sendJson(res, 413, tooLargeBody());
    }
    // Streamed to disk with a running count, so a sender that lies about its length is cut off at
    // the limit and a large PDF is never held in memory. The request is not destroyed by a refusal
    // (destroyOnReturn: false), so the answer can still be sent before the connection closes.
    try {
      return sendJson(res, 200, await importDeskFile(dataDir, req.iterator({ destroyOnReturn: false })));
    } catch (err) {
      if (err instanceof DeskFileRefused && err.tooLarge) {
        sendJson(res, 413, tooLargeBody(), true);
        res.once('finish', () => req.destroy());
        return;
      }
      if (err instanceof ApiError) return sendJson(res, 422, err.toBody());
      throw err;
    }
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendJson(res, 405, { code: 'not-allowed', message: 'Files are read with GET.' });
  }
  const hash = target.slice(FILES_PATH.length + 1);
  const bytes = await readDeskFile(dataDir, hash);
  if (!bytes) return sendJson(res, 404, { code: 'not-found', message: 'This file is not on this desk yet.' });
  const head = bytes.subarray(0, 16);
  res.writeHead(200, {
    'Content-Type': sniffMimeType(head) ?? 'application/octet-stream',
    'Content-Length': bytes.length,
    // Named by content: the same address always holds the same bytes.
    'Cache-Control': 'private, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function tooLargeBody(): ApiErrorBody {
  return { code: 'file-refused', message: TOO_LARGE_MESSAGE };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': text.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

async function serveRenderer(req: http.IncomingMessage, res: http.ServerResponse, rendererDir: string, port: number) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendText(res, 405, 'Only GET and HEAD are served here.');
    return;
  }
  const rawPath = requestPath(req.url);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    sendText(res, 400, 'Bad address.');
    return;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0')) {
    sendText(res, 400, 'Bad address.');
    return;
  }
  // Resolve, then prove the result is still inside the renderer folder: this catches "..",
  // encoded "%2e%2e%2f" and (on Windows) backslashes alike.
  const target = path.resolve(rendererDir, `.${decoded}`);
  const relative = path.relative(rendererDir, target);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    sendText(res, 404, 'Not found.');
    return;
  }

  const stat = relative === '' ? null : await fs.promises.stat(target).catch(() => null);
  if (stat?.isFile()) {
    if (relative === 'index.html') return sendIndex(req, res, rendererDir, port);
    const type = CONTENT_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream';
    // Vite names built assets by content hash, so they never change under the same name.
    const immutable = relative.startsWith(`assets${path.sep}`);
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': stat.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(target)
      .on('error', () => res.destroy())
      .pipe(res);
    return;
  }
  // A missing file is a 404; any other path is a screen of the single-page app.
  if (path.extname(decoded) !== '') {
    sendText(res, 404, 'Not found.');
    return;
  }
  await sendIndex(req, res, rendererDir, port);
}

async function sendIndex(req: http.IncomingMessage, res: http.ServerResponse, rendererDir: string, port: number) {
  let html: string;
  try {
    html = await fs.promises.readFile(path.join(rendererDir, 'index.html'), 'utf8');
  } catch {
    sendText(
      res,
      503,
      `The Bayline screens have not been built yet (no index.html in ${rendererDir}). Run "npm run build:renderer", then reload.`,
    );
    return;
  }
  // The renderer is built with relative asset paths (base './') so Electron can load it from
  // disk; a <base> makes those paths resolve from the root when the fallback serves a deeper path.
  html = html.replace(/<head([^>]*)>/i, '<head$1><base href="/">');
  const body = Buffer.from(html);
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES['.html']!,
    'Content-Length': body.length,
    // The page must always match the running desk's API, so never reuse a stored copy.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': deskPageCsp(port),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The desk page's Content-Security-Policy. A mail's sandboxed frame (src-renderer/email/MailBody.tsx)
 * is an srcdoc document, which inherits this policy on top of its own: so inline styles (a mail's
 * own formatting) and http(s) pictures must be allowed here, and the frame's stricter policy keeps
 * remote pictures out until the person presses "Show pictures". React sets its styles through the
 * CSSOM and the desk shows no HTML from outside except in that frame.
 */
export function deskPageCsp(port: number): string {
  // The same rules as the Electron window's (./desk-csp.ts), plus this page's WebSocket.
  return deskCsp({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}
