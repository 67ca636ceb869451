// The command channel: how `npm run desk -- api` reaches a desk that is already running on the
// same data folder, so the call goes through that desk (its lock, its screens, its sync) instead
// of opening the database a second time.
//
// The running desk listens on 127.0.0.1 (a port the system picks) and writes the port and a fresh
// 256-bit secret to DATA/desk-api.json, mode 600: only the same user on the same PC can read it
// (on Windows the data folder sits in the user's own profile, which other users cannot read).
// Every call carries the secret as a Bearer token; a request with another Host (DNS rebinding) or
// any Origin (a web page) is refused. The file is removed when the desk closes; one left by a
// crashed desk names a process that is gone or a port nobody answers on, and is ignored.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CallOutcome } from './dispatch.js';
import { callFromCommandLine, type CommandDesk, type CommandLineCall } from './command-line.js';
import { processAlive } from '../desk-lock.js';

export const CHANNEL_FILE = 'desk-api.json';
const CALL_PATH = '/call';
const MAX_BODY_BYTES = 8 * 1024 * 1024;

interface ChannelFile {
  pid: number;
  port: number;
  secret: string;
}

export interface CommandChannel {
  port: number;
  close(): Promise<void>;
}

/** Starts answering `desk api` for this desk; `close()` stops it and removes the file. */
export async function openCommandChannel(desk: CommandDesk & { dataDir: string }): Promise<CommandChannel> {
  const secret = crypto.randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${secret}`);
  let ownHost = '';
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(text);
    };
    const refuse = (status: number, message: string) => answer(status, { ok: false, error: { code: 'not-allowed', message } });
    if (req.headers.host !== ownHost || req.headers.origin !== undefined) return refuse(403, 'Only Bayline\'s command line may use this address.');
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !crypto.timingSafeEqual(auth, expected)) return refuse(401, 'The command channel\'s key is wrong.');
    if (req.method !== 'POST' || req.url !== CALL_PATH) return refuse(404, 'Calls are made with POST /call.');
    readBody(req)
      .then((text) => {
        if (text === null) return refuse(413, 'The arguments are larger than 8 MB.');
        let call: CommandLineCall;
        try {
          call = JSON.parse(text) as CommandLineCall;
        } catch {
          return answer(400, { ok: false, error: { code: 'invalid-args', message: 'The call was not JSON.' } });
        }
        return callFromCommandLine(desk, call).then((outcome) => answer(200, outcome));
      })
      .catch((err: unknown) => {
        console.error('[command-channel] call failed', err);
        if (!res.headersSent) answer(500, { ok: false, error: { code: 'internal', message: 'The running desk could not take this call.' } });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  ownHost = `127.0.0.1:${port}`;
  const file = path.join(desk.dataDir, CHANNEL_FILE);
  writePrivate(file, JSON.stringify({ pid: process.pid, port, secret } satisfies ChannelFile));

  let closing: Promise<void> | null = null;
  return {
    port,
    close() {
      closing ??= (async () => {
        try {
          const current = JSON.parse(fs.readFileSync(file, 'utf8')) as ChannelFile;
          if (current.secret === secret) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** Written as a new file with mode 600 and renamed into place, so no reader ever sees it half written or readable by others. */
function writePrivate(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.rmSync(temp, { force: true });
  fs.writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
  fs.renameSync(temp, file);
}

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The running desk's channel for this data folder, or null when there is none (or only a stale file). */
export function findCommandChannel(dataDir: string): ChannelFile | null {
  let parsed: ChannelFile;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(dataDir, CHANNEL_FILE), 'utf8')) as ChannelFile;
  } catch {
    return null;
  }
  if (!Number.isInteger(parsed.pid) || !Number.isInteger(parsed.port) || typeof parsed.secret !== 'string') return null;
  if (parsed.pid !== process.pid && !processAlive(parsed.pid)) return null;
  return parsed;
}

/** Makes one call through a running desk; null when nothing answers there (a stale file). */
export function callThroughChannel(channel: ChannelFile, call: CommandLineCall): Promise<CallOutcome | null> {
  const body = Buffer.from(JSON.stringify(call));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: channel.port,
        method: 'POST',
        path: CALL_PATH,
        headers: {
          Authorization: `Bearer ${channel.secret}`,
          'Content-Type': 'application/json',
          'Content-Length': body.length,
        },
      },
      (res) => {
        // A stale file whose port now belongs to another desk's channel: that desk does not know
        // this key, and the call was not made.
        if (res.statusCode === 401) {
          res.resume();
          resolve(null);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CallOutcome);
          } catch {
            reject(new Error(`The running desk answered something unreadable (HTTP ${res.statusCode}).`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // Refused: nobody listens, the call was never made. Any other failure may have come after the
      // desk took the call, so it is not made a second time here.
      if (err.code === 'ECONNREFUSED') resolve(null);
      else reject(err);
    });
    req.end(body);
  });
}
