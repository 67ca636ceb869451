// A signature request made while the desk is offline goes out when it reconnects: the real relay
// (SQLite, real WebSockets, its blob folder) receives the request and its document, and another
// desk of the shop sees the same request with the same document bytes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { SignaturesView } from '../../src-shared/esign/desk.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import { localBlobPath } from '../blobs/local-blobs.js';
import type { Desk } from '../desk.js';

let f: RelayFixture;
let front: { desk: Desk; dataDir: string };
let office: { desk: Desk; dataDir: string };

beforeAll(async () => {
  f = await startRelayFixture('sqlite', { blobs: true });
  front = await f.pairNewDesk('Front desk');
  office = await f.pairNewDesk('Office');
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
});

describe('a request made offline', () => {
  it('is pushed with its document when the desk reconnects, and the other desk sees it', async () => {
    const ro = await call<RepairOrderDetail>(front.desk, 'ro-check-in', {
      customer: { firstName: 'Dana', lastName: 'Reyes', mobile: '(512) 555-0147' },
      vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
      estimateTotalCents: 100000,
    });
    await eventually('the office has the repair', async () => (await office.desk.db.selectFrom('repair_orders').select('id').where('id', '=', ro.id).executeTakeFirst()) ?? false);

    await f.stop();
    const made = await call<SignaturesView>(front.desk, 'esign-create', { roId: ro.id, kind: 'supplement', lines: [{ description: 'Parking sensor', amountCents: 9900 }] });
    const req = made.requests[0]!;
    expect(req.state).toBe('pending');
    const hash = req.documentBlobHash!;

    await f.restart();
    // Once the relay has it, the relay sends it (here the shop has no texting: it waits in the
    // portal, and the desk is told so); the other desk sees the request as sent.
    const seen = await eventually('the office desk has the request, sent', async () => {
      const row = await office.desk.db.selectFrom('signature_requests').selectAll().where('id', '=', req.id).executeTakeFirst();
      return row?.state === 'sent' ? row : false;
    });
    expect(seen).toMatchObject({ kind: 'supplement', version: 1, state: 'sent', document_sha256: req.documentSha256, needs_code: 1 });
    expect(seen.state_detail).toContain('portal');
    await eventually('the office desk has the document', async () => fs.existsSync(localBlobPath(office.dataDir, hash)));
    expect(createHash('sha256').update(fs.readFileSync(localBlobPath(office.dataDir, hash))).digest('hex')).toBe(req.documentSha256);
    expect(await f.storage.findBlob(f.workspace.id, hash)).toMatchObject({ hash });
    // The office lists it the same way.
    const there = await call<SignaturesView>(office.desk, 'esign-list', { roId: ro.id });
    expect(there.requests.map((r) => [r.title, r.stateText])).toEqual([['Supplement approval 1', 'Sent to the customer']]);
  }, 60_000);
});
