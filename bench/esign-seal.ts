// Sealing a signed document (relay/esign/seal.ts): a 3-page pdfkit document gets its signature
// page, its certificate of completion and the CMS signature by the shop's certificate (kept in a
// real SQLite operator database, opened with the relay's key), beside rendering the same 3-page
// document with pdfkit and no seal, in alternating rounds of the same run. The shop's first seal,
// which makes its RSA 3072 certificate, is timed apart: it happens once per shop.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import PDFKit from 'pdfkit';
import { TokenVault } from '../relay/email/token-vault.js';
import { PdfSealer } from '../relay/esign/seal.js';
import type { SealInput } from '../relay/esign/seal-types.js';
import { openSqliteStorage } from '../relay/storage/sqlite.js';

export interface EsignSealBenchResult {
  documents: number;
  rounds: number;
  firstSealWithNewCertificateMs: number;
  render: { p50: number; p99: number };
  seal: { p50: number; p99: number };
  /** Median seal time over median unsealed render time. */
  ratio: number;
  meanSealedBytes: number;
  meanOriginalBytes: number;
}

const DOCUMENTS = Number(process.env.BENCH_ESIGN_DOCS ?? 60);
const ROUNDS = 3;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function renderThreePages(n: number): Promise<Buffer> {
  const doc = new PDFKit({ size: 'LETTER', margin: 54 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  for (let page = 1; page <= 3; page++) {
    if (page > 1) doc.addPage();
    doc.fontSize(18).text(`Repair authorization ${n} — page ${page} of 3`);
    doc.moveDown().fontSize(11).text('2021 Honda Civic EX · VIN 2HGFC2F59MH512345 · Claim 44-1290-77');
    doc.moveDown().text('I authorize the shop to repair the vehicle described above as written in the estimate. '.repeat(14));
  }
  doc.end();
  return done;
}

function input(workspaceId: string, document: Buffer): SealInput {
  return {
    workspaceId,
    shopName: 'Bench Collision',
    document,
    documentSha256: createHash('sha256').update(document).digest('hex'),
    title: 'Repair authorization',
    roNumber: 1042,
    signerName: 'Dana Whitfield',
    signaturePng: null,
    signedAt: new Date().toISOString(),
    intentText: 'I agree to sign this repair authorization electronically',
    consent: { disclosureVersion: '2026-12-01', agreedAt: new Date().toISOString() },
    codeSentTo: 'text to (512) ***-0147',
    timeZone: 'America/Chicago',
    events: Array.from({ length: 6 }, (_, i) => ({
      at: new Date(Date.now() - (6 - i) * 60_000).toISOString(),
      what: ['Sent by text', 'Document opened', 'Consent given', 'Code sent', 'Code entered correctly', 'Signed'][i]!,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    })),
  };
}

export async function runEsignSealBench(root: string): Promise<EsignSealBenchResult> {
  const dir = path.join(root, 'esign-relay');
  fs.mkdirSync(dir, { recursive: true });
  const storage = await openSqliteStorage(dir);
  try {
    const ws = await storage.createWorkspace({ slug: 'bench-seal', name: 'Bench Collision' });
    const sealer = new PdfSealer({ storage, config: { vault: new TokenVault(randomBytes(32)), operator: null } });
    const original = await renderThreePages(0);
    let start = performance.now();
    await sealer.seal(input(ws.id, original));
    const firstSealWithNewCertificateMs = performance.now() - start;
    for (let i = 0; i < 5; i++) await sealer.seal(input(ws.id, original)); // warm-up

    const render: number[] = [];
    const seal: number[] = [];
    let sealedBytes = 0;
    let originalBytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const documents: Buffer[] = [];
      for (let i = 0; i < DOCUMENTS; i++) {
        start = performance.now();
        const doc = await renderThreePages(i);
        render.push(performance.now() - start);
        documents.push(doc);
        originalBytes += doc.length;
      }
      for (const doc of documents) {
        start = performance.now();
        const sealed = await sealer.seal(input(ws.id, doc));
        seal.push(performance.now() - start);
        sealedBytes += sealed.pdf.length;
      }
      console.log(`  round ${r + 1}: render p50 ${percentile(render.slice(-DOCUMENTS), 50).toFixed(1)} ms, seal p50 ${percentile(seal.slice(-DOCUMENTS), 50).toFixed(1)} ms`);
    }
    const result = {
      documents: DOCUMENTS,
      rounds: ROUNDS,
      firstSealWithNewCertificateMs,
      render: { p50: percentile(render, 50), p99: percentile(render, 99) },
      seal: { p50: percentile(seal, 50), p99: percentile(seal, 99) },
      ratio: 0,
      meanSealedBytes: Math.round(sealedBytes / seal.length),
      meanOriginalBytes: Math.round(originalBytes / render.length),
    };
    result.ratio = result.seal.p50 / result.render.p50;
    return result;
  } finally {
    await storage.close();
  }
}

export function esignSealSummaryLines(r: EsignSealBenchResult): string[] {
  return [
    `  sealing a 3-page document + signature page + certificate: p50 ${r.seal.p50.toFixed(1)} ms, p99 ${r.seal.p99.toFixed(1)} ms ` +
      `(${(r.meanSealedBytes / 1024).toFixed(0)} KiB) — rendering the same 3 pages unsealed with pdfkit p50 ${r.render.p50.toFixed(1)} ms, p99 ${r.render.p99.toFixed(1)} ms ` +
      `(${(r.meanOriginalBytes / 1024).toFixed(0)} KiB); sealing costs ${r.ratio.toFixed(1)}× the render; a shop's first seal (makes its certificate) ${r.firstSealWithNewCertificateMs.toFixed(0)} ms`,
  ];
}
