// Work orders per second: 200 generated (the repair read from the desk, the PDF drawn with its
// QR code and fonts, written to disk) beside a baseline of 200 empty one-page pdfkit PDFs written
// the same way, in alternating rounds of the same run.
import fs from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { randomBytes } from 'node:crypto';
import { seedDemoShop } from '../src-main/demo/demo-shop.js';
import { Desk } from '../src-main/desk.js';
import { renderPrintDocument } from '../src-main/printing/documents.js';
import { gatherPrintData } from '../src-main/printing/print-data.js';
import { finishPdf } from '../src-main/printing/pdf.js';

export interface PrintingBenchResult {
  documents: number;
  rounds: Array<{ baselinePerSecond: number; workOrdersPerSecond: number }>;
  baselinePerSecond: number;
  workOrdersPerSecond: number;
  /** Median work order time over median empty-PDF time. */
  ratio: number;
  meanPdfBytes: number;
}

const DOCUMENTS = Number(process.env.BENCH_PRINT_DOCS ?? 200);
const ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function runPrintingBench(root: string): Promise<PrintingBenchResult> {
  const desk = await Desk.open({ dataDir: path.join(root, 'printing-desk') });
  try {
    await seedDemoShop(desk, { openRos: 40, closedRos: 0 });
    const ros = await desk.db.selectFrom('repair_orders').select('id').where('closed_at', 'is', null).execute();
    const out = path.join(root, 'printed');
    fs.mkdirSync(out, { recursive: true });
    const session = desk.newSession();
    // An unpaired desk has no relay to link to; a link of the real shape keeps the QR code in the work.
    const link = () => `https://status.lakeside.example/t/${randomBytes(34).toString('base64url')}?s=qr-work-order`;

    const baseline = async () => {
      const start = performance.now();
      for (let i = 0; i < DOCUMENTS; i++) {
        const doc = new PDFDocument({ size: 'LETTER', margin: 0 });
        fs.writeFileSync(path.join(out, `empty-${i}.pdf`), await finishPdf(doc));
      }
      return DOCUMENTS / ((performance.now() - start) / 1000);
    };
    let bytes = 0;
    const workOrders = async () => {
      bytes = 0;
      const start = performance.now();
      for (let i = 0; i < DOCUMENTS; i++) {
        const data = await gatherPrintData({ desk, session }, ros[i % ros.length]!.id, 'work-order');
        const printed = await renderPrintDocument('work-order', 'letter', { ...data, customerUrl: link(), customerUrlProblem: null });
        fs.writeFileSync(path.join(out, `work-order-${i}.pdf`), printed.pdf);
        bytes += printed.pdf.length;
      }
      return DOCUMENTS / ((performance.now() - start) / 1000);
    };

    await workOrders(); // warm-up: fonts read, code compiled
    const rounds: PrintingBenchResult['rounds'] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const b = await baseline();
      const w = await workOrders();
      rounds.push({ baselinePerSecond: b, workOrdersPerSecond: w });
      console.log(`  round ${r + 1}: empty PDFs ${b.toFixed(0)}/s, work orders ${w.toFixed(1)}/s`);
    }
    const baselinePerSecond = median(rounds.map((r) => r.baselinePerSecond));
    const workOrdersPerSecond = median(rounds.map((r) => r.workOrdersPerSecond));
    return {
      documents: DOCUMENTS,
      rounds,
      baselinePerSecond,
      workOrdersPerSecond,
      ratio: baselinePerSecond / workOrdersPerSecond,
      meanPdfBytes: Math.round(bytes / DOCUMENTS),
    };
  } finally {
    await desk.close();
  }
}

export function printingSummaryLines(r: PrintingBenchResult): string[] {
  return [
    `  work orders ${r.workOrdersPerSecond.toFixed(1)}/s (${r.documents} per round, written to disk, mean ${(r.meanPdfBytes / 1024).toFixed(0)} KiB) — ` +
      `empty one-page PDFs ${r.baselinePerSecond.toFixed(0)}/s; a work order costs ${r.ratio.toFixed(1)}× an empty PDF`,
  ];
}
