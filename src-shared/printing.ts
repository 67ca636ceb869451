// Printed documents and the paper each may use (sizes in PDF points, 72 per inch): shared by the
// desk core that draws them and the screens where a person picks paper and printer.
export const PRINT_KINDS = ['work-order', 'tag', 'receipt'] as const;
export type PrintKind = (typeof PRINT_KINDS)[number];

export const PAPERS = {
  letter: { label: 'US Letter', width: 612, height: 792 },
  a4: { label: 'A4', width: 595.28, height: 841.89 },
  'half-letter': { label: 'Half letter (hang tag)', width: 396, height: 612 },
  /** Thermal roll: the page is as long as what is printed on it. */
  'receipt-80mm': { label: '80 mm receipt roll', width: mm(80), height: null },
} as const;
export type Paper = keyof typeof PAPERS;

export const PAPERS_FOR: Record<PrintKind, readonly Paper[]> = {
  'work-order': ['letter', 'a4'],
  tag: ['half-letter', 'letter', 'a4'],
  receipt: ['receipt-80mm', 'letter', 'a4'],
};

export const DEFAULT_PAPER: Record<PrintKind, Paper> = {
  'work-order': 'letter',
  tag: 'half-letter',
  receipt: 'receipt-80mm',
};

/** The paper a new PC starts with in a shop whose country prints on A4 (the UK): no US sizes there. */
export const DEFAULT_PAPER_A4: Record<PrintKind, Paper> = {
  'work-order': 'a4',
  tag: 'a4',
  receipt: 'receipt-80mm',
};

export const KIND_LABELS: Record<PrintKind, string> = {
  'work-order': 'Work order',
  tag: 'Dashboard tag',
  receipt: 'Check-in receipt',
};

export function mm(millimetres: number): number {
  return (millimetres * 72) / 25.4;
}

/** How one kind of document prints on this PC: paper, and printer (null: ask, or the system default). */
export interface PrintPreference {
  paper: Paper;
  printer: string | null;
}

/** Remembered per PC (printers belong to the PC, not to the shop). */
export type PrintSettings = Record<PrintKind, PrintPreference>;

/** A rendered document as the screens receive it: the real PDF, ready to preview and print. */
export interface RenderedPrint {
  kind: PrintKind;
  paper: Paper;
  fileName: string;
  pdfBase64: string;
  /** The page as printed, for the printer driver (an 80 mm receipt is as long as its content). */
  pageSizeMicrons: { width: number; height: number };
  /** The customer link its QR carries (with the document's scan marker), or null with `problem` saying why. */
  customerUrl: string | null;
  problem: string | null;
}

/** Why `paper` does not suit this kind of document, in the shop's words; null when it does. */
export function paperProblem(kind: PrintKind, paper: string): string | null {
  if ((PAPERS_FOR[kind] as readonly string[]).includes(paper)) return null;
  const allowed = PAPERS_FOR[kind].map((p) => PAPERS[p].label).join(', ');
  const named = paper in PAPERS ? PAPERS[paper as Paper].label : `"${paper}"`;
  return `A ${KIND_LABELS[kind].toLowerCase()} prints on ${allowed}, not ${named}.`;
}

/** A printer this PC can print to. */
export interface PrinterChoice {
  name: string;
  displayName: string;
  isDefault: boolean;
}

/**
 * What the Electron window adds beside `window.bayline`: the PC's printers and printing a PDF to
 * one. The browser host has no such bridge; there the PDF opens in the browser to print.
 */
export interface PrintingBridge {
  printers(): Promise<PrinterChoice[]>;
  /** Prints the PDF; with no printer named, the system's print dialog asks. */
  print(pdfBase64: string, options: { printer: string | null; pageSizeMicrons: { width: number; height: number } }): Promise<{ ok: boolean; problem: string | null }>;
}

/** The physical page size of a rendered PDF, for a printer driver (microns, as Electron takes it). */
export function pageSizeMicrons(widthPt: number, heightPt: number): { width: number; height: number } {
  return { width: Math.round((widthPt / 72) * 25_400), height: Math.round((heightPt / 72) * 25_400) };
}
