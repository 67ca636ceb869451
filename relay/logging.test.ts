// The relay's logs never carry a secret: pairing codes, device credentials, portal tokens and
// phone numbers are redacted, whichever route they travelled through.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bearer, SYNC_PATH } from '../src-shared/sync/protocol.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { issuePairingCode } from './pairing.js';
import { relayLoggerOptions, type RunningRelay, startRelay } from './server.js';
import { openSqliteStorage } from './storage/sqlite.js';
import type { RelayStorage } from './storage/types.js';

let relay: RunningRelay | null = null;
let storage: RelayStorage | null = null;
afterEach(async () => {
  await relay?.close();
  await storage?.close();
});

describe('relay logs', () => {
  it('hold no pairing code, device secret, portal token or phone number', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    storage = await openSqliteStorage(tempDir('bayline-relay-'));
    const workspace = await storage.createWorkspace({ slug: 'quiet', name: 'Quiet Collision' });
    relay = await startRelay({
      storage,
      port: 0,
      logger: { ...(relayLoggerOptions('debug') as object), stream },
    });
    const { code } = await issuePairingCode(storage, workspace.id);

    const paired = (await (
      await fetch(`${relay.url}/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, deviceName: 'Front desk' }),
      })
    ).json()) as { deviceId: string; secret: string };
    expect(paired.secret).toBeTruthy();

    // A sync connection presents the credential in a header.
    const socket = new WebSocket(`${relay.url.replace('http', 'ws')}${SYNC_PATH}`, {
      headers: { Authorization: bearer(paired.deviceId, paired.secret) },
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.close();
    // A portal token in a path and a token in a query string, as later routes will have.
    const token = 'Zm9ydHl0d29jaGFyYWN0ZXJzb2ZyYW5kb21ieXRlcw';
    await fetch(`${relay.url}/t/${token}`);
    await fetch(`${relay.url}/healthz?token=${token}`);
    // A work provider's invitation link (single use) in a path.
    const invitation = 'aW52aXRhdGlvbnRva2VuZm9ydGhld29ya3Byb3ZpZGVy';
    await fetch(`${relay.url}/provider/invite/${invitation}`);
    // Code that logs a customer's details by mistake still leaks nothing.
    relay.app.log.info({ mobile: '+15125550134', phone: '(512) 555-0134', from: '+15125550199' }, 'customer message');

    const all = lines.join("");
    expect(all).toContain('/t/[redacted]');
    expect(all).toContain('/provider/invite/[redacted]');
    expect(all).toContain('customer message');
    for (const secret of [code, code.replace('-', ''), paired.secret, token, invitation, '+15125550134', '555-0134', '+15125550199']) {
      expect(all, `log holds ${secret}`).not.toContain(secret);
    }
  });
});
