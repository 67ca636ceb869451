// Test support for signing scenarios: a relay on either engine with a fake Telnyx and the shop's
// number, a paired desk with a customer's car checked in, and requests made the way a desk makes
// them (a pdfkit PDF stored as a desk blob, an `attachments` row kind 'signature-document' and a
// 'pending' `signature_requests` row, written through the desk's own store and synced).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import PDFDocument from 'pdfkit';
import type { Desk } from '../../src-main/desk.js';
import { importDeskFile } from '../../src-main/blobs/desk-files.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { MONEY_KINDS, SIGNATURE_DOCUMENT_ATTACHMENT_KIND, type SignatureKind } from '../../src-shared/esign/types.js';
import type { RelayOptions } from '../server.js';
import { assignNumber } from '../sms/numbers.js';
import { checkIn, settle, SHOP_NUMBER, zoneWhere } from '../sms/testing.js';
import { type FakeTelnyx, startFakeTelnyx } from '../testing/fake-telnyx.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { readSealConfig } from './config.js';
import { PdfSealer } from './seal.js';
import type { DocumentSealer, SealedDocument, SealInput } from './seal-types.js';

/**
 * The real sealer (./seal.ts, a certificate made for the test shop under a fresh key), recording
 * what it was handed so tests can check the evidence, and able to fail on purpose a given number
 * of times (a relay whose sealing broke must keep the signature and seal it later).
 */
export class RecordingSealer implements DocumentSealer {
  readonly inputs: SealInput[] = [];
  failNext = 0;
  real: DocumentSealer | null = null;
  async seal(input: SealInput): Promise<SealedDocument> {
    this.inputs.push(input);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('sealing failed on purpose (test)');
    }
    if (!this.real) throw new Error('the test shop has no sealer yet');
    return this.real.seal(input);
  }
}

/** A small document as a desk would print it (pdfkit), `pages` pages long. */
export function documentPdf(title: string, pages = 2): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'LETTER', margin: 54, info: { Title: title, CreationDate: new Date('2026-12-01T12:00:00Z') } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    for (let p = 1; p <= pages; p += 1) {
      if (p > 1) doc.addPage();
      doc.fontSize(20).text(`Lakeside Collision — ${title}`);
      doc.moveDown().fontSize(12).text(`Page ${p} of ${pages}`);
      doc.moveDown().fontSize(12).text('Vehicle: 2019 Honda Accord, blue, plate KLM 456. Insurer: State Farm, claim SF-2026-0412.');
      doc.moveDown().text('Estimate total: $4,812.40. Deductible: $500.00. Storage after 3 days of notice: $45.00 per day.');
      doc.moveDown().text('I authorize the shop to repair the vehicle described above as estimated, and to operate it for testing.');
    }
    doc.end();
  });
}

export interface SigningShop {
  f: RelayFixture;
  fake: FakeTelnyx;
  desk: Desk;
  dataDir: string;
  ro: RepairOrderDetail;
  sealer: RecordingSealer;
  /** Moves the relay's signing clock (codes, expiry) by this many ms from now on. */
  advance(ms: number): void;
  cleanup(): Promise<void>;
}

export async function startSigningShop(engine: Engine, options: { logger?: RelayOptions['logger']; accounts?: RelayOptions['accounts'] } = {}): Promise<SigningShop> {
  const fake = await startFakeTelnyx();
  const sealer = new RecordingSealer();
  let offset = 0;
  let f: RelayFixture | undefined;
  try {
    f = await startRelayFixture(engine, {
      blobs: true,
      logger: options.logger,
      telnyx: { apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: 'profile-lakeside', timeoutMs: 5000 },
      sms: { pollMs: 100 },
      esign: { sealer, clock: () => new Date(Date.now() + offset), pollMs: 200 },
      accounts: options.accounts,
    });
    sealer.real = new PdfSealer({ storage: f.storage, config: readSealConfig({ BAYLINE_ESIGN_KEY: randomBytes(32).toString('hex') })! });
    await assignNumber(f.storage, { workspaceId: f.workspace.id, phoneNumber: SHOP_NUMBER, orderId: null, messagingProfileId: 'profile-lakeside' });
    const { desk, dataDir } = await f.pairNewDesk('Front desk');
    await call(desk, 'workspace-update', { name: 'Harbor Collision', phone: '(512) 555-0100', email: 'office@harbor.example', timeZone: zoneWhere(true) });
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn());
    await settle(desk);
    const fixture = f;
    return {
      f: fixture,
      fake,
      desk,
      dataDir,
      ro,
      sealer,
      advance(ms) {
        offset += ms;
      },
      async cleanup() {
        await fixture.cleanup();
        await fake.close();
      },
    };
  } catch (err) {
    await f?.cleanup();
    await fake.close();
    throw err;
  }
}

export interface MadeRequest {
  id: string;
  pdf: Buffer;
  sha256: string;
}

/** Makes a request at the desk, as the desk's document feature does: blob, attachment, 'pending' row. */
export async function makeRequest(
  desk: Desk,
  dataDir: string,
  roId: string,
  input: { kind?: SignatureKind; title?: string; version?: number; pages?: number; expiresAt?: string; pdf?: Buffer; sha256?: string } = {},
): Promise<MadeRequest> {
  const kind = input.kind ?? 'authorization';
  const title = input.title ?? 'Repair authorization';
  const pdf = input.pdf ?? (await documentPdf(title, input.pages ?? 2));
  const blob = await importDeskFile(dataDir, pdf);
  const sha256 = input.sha256 ?? createHash('sha256').update(pdf).digest('hex');
  const ro = await desk.store.db.selectFrom('repair_orders').select(['customer_id']).where('id', '=', roId).executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  const id = await desk.store.write({ actor: 'staff:test', action: 'esign-request', summary: `Sent for signature: ${title}`, roId }, async (tx) => {
    const requestId = await tx.insert('signature_requests', {
      ro_id: roId,
      customer_id: ro.customer_id,
      kind,
      title,
      version: input.version ?? 1,
      document_blob_hash: blob.hash,
      document_sha256: sha256,
      document_pages: input.pages ?? 2,
      needs_code: MONEY_KINDS.has(kind) ? 1 : 0,
      state: 'pending',
      created_at: now,
      created_by: 'staff:test',
      expires_at: input.expiresAt ?? new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });
    await tx.insert('attachments', {
      ro_id: roId,
      kind: SIGNATURE_DOCUMENT_ATTACHMENT_KIND,
      blob_hash: blob.hash,
      file_name: `${title}.pdf`,
      mime_type: 'application/pdf',
      size_bytes: blob.sizeBytes,
      published: 0,
      source: 'desk',
      added_at: now,
      added_by: 'staff:test',
      signature_request_id: requestId,
    });
    return requestId;
  });
  await settle(desk);
  return { id, pdf, sha256 };
}

/** The desk's copy of a request (what the desk shows). */
export async function deskRequest(desk: Desk, id: string) {
  return desk.store.db.selectFrom('signature_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Waits until the desk sees the request in `state`. */
export async function deskSees(desk: Desk, id: string, state: string) {
  return eventually(`the desk to see the request ${state}`, async () => {
    const row = await deskRequest(desk, id);
    return row?.state === state ? row : undefined;
  }, 30_000);
}

/** The signing link texted for a request, as the customer got it. */
export async function linkFor(fake: FakeTelnyx, requestId: string): Promise<{ url: string; token: string; text: string }> {
  return eventually('the signing link text', async () => {
    const text = fake.sends().find((s) => s.text.includes(`/sign/${requestId}`))?.text;
    const match = text?.match(/(https?:\/\/\S+\/t\/([^/\s]+)\/sign\/[^\s]+)/);
    return match && text ? { url: match[1]!, token: match[2]!, text } : undefined;
  }, 30_000);
}

/** The latest one-time code texted to the customer. */
export function lastCode(fake: FakeTelnyx): string | null {
  const texts = fake.sends().filter((s) => /signing code is \d{6}/.test(s.text));
  return texts.length ? texts[texts.length - 1]!.text.match(/signing code is (\d{6})/)![1]! : null;
}

export interface PdfSig {
  valid: boolean;
  wholeDocument: boolean;
  commonName: string | null;
  output: string;
}

/** poppler's pdfsig on the file: is the signature valid, does it cover the whole file, who signed. */
export function pdfsig(pdf: Buffer): PdfSig {
  const file = path.join(tempDir(), 'check.pdf');
  fs.writeFileSync(file, pdf);
  const run = spawnSync('pdfsig', [file], { encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  return {
    valid: /Signature Validation: Signature is Valid\./.test(output),
    wholeDocument: /Total document signed/.test(output),
    commonName: /Signer Certificate Common Name: (.*)/.exec(output)?.[1]?.trim() ?? null,
    output,
  };
}
