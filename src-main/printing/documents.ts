// One entry point for every printed document: which renderer draws which kind on which paper.
import { ApiError } from '../../src-shared/api/errors.js';
import { renderDashboardTag } from './dashboard-tag.js';
import { type Paper, paperProblem, type PrintKind } from '../../src-shared/printing.js';
import type { PrintData } from './print-data.js';
import type { PrintedDocument } from './printed-document.js';
import { renderReceipt } from './receipt.js';
import { renderWorkOrder } from './work-order.js';

export type { PlacedQr, PrintedDocument } from './printed-document.js';

export async function renderPrintDocument(kind: PrintKind, paper: Paper, data: PrintData): Promise<PrintedDocument> {
  const problem = paperProblem(kind, paper);
  if (problem) throw new ApiError('invalid-args', problem, 'paper');
  switch (kind) {
    case 'work-order':
      return renderWorkOrder(data, paper as 'letter' | 'a4');
    case 'tag':
      return renderDashboardTag(data, paper as 'half-letter' | 'letter' | 'a4');
    case 'receipt':
      return renderReceipt(data, paper as 'receipt-80mm' | 'letter' | 'a4');
  }
}

export function printFileName(kind: PrintKind, roNumber: number): string {
  return `${kind}-${roNumber}.pdf`;
}
