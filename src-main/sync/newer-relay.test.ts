// A shop's relay is upgraded before its desks: a desk must keep syncing with a relay that says
// more than it knows (a new field in a frame, a frame type it has never seen).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { eventually } from '../../relay/testing/sync-fixture.js';
import { SyncClient } from './sync-client.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

describe('a desk and a newer relay', () => {
  let desk: TestDesk | null = null;
  let client: SyncClient | null = null;
  let server: http.Server | null = null;

  afterEach(async () => {
    await client?.stop();
    await desk?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
  });

  it('drops fields it does not know, skips frame types it does not know, and stays online', async () => {
    desk = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/sync' });
    const seen: string[] = [];
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { t: string };
        seen.push(frame.t);
        if (frame.t !== 'hello') return;
        socket.send(
          JSON.stringify({
            t: 'welcome',
            workspace: { id: 'w1', slug: 'lakeside', name: 'Lakeside Collision' },
            relayNode: '00000000000000aa',
            time: Date.now(),
            languages: ['en', 'es'],
          }),
        );
        socket.send(JSON.stringify({ t: 'weather', forecast: 'sunny' }));
        socket.send(JSON.stringify({ t: 'changes', changes: [], cursor: 0, more: false, pageKind: 'catch-up' }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    client = new SyncClient(
      desk.desk.store,
      {
        relayUrl: `http://127.0.0.1:${port}`,
        deviceId: 'dev1',
        secret: 'not-checked-by-this-fake',
        workspace: { id: 'w1', slug: 'lakeside', name: 'Lakeside Collision' },
        pairedAt: new Date().toISOString(),
      },
      async () => [desk!.desk.store.nodeId],
      { minBackoffMs: 20, maxBackoffMs: 100 },
    );
    client.start();
    await client.whenCaughtUp(10_000);
    const status = await client.status();
    expect(status.online).toBe(true);
    expect(status.problem ?? null).toBeNull();
    // One hello and one ack: the desk never dropped the line and reconnected.
    await eventually('the desk to acknowledge the page', async () => seen.includes('ack'));
    expect(seen.filter((t) => t === 'hello')).toHaveLength(1);
  });
});
