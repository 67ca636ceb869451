// Paper and printer per document kind, remembered on this PC in DATA/printing.json (printers
// are the PC's, so these settings do not sync to other desks).
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../src-shared/api/errors.js';
import { DEFAULT_PAPER, DEFAULT_PAPER_A4, type Paper, PAPERS_FOR, paperProblem, PRINT_KINDS, type PrintKind, type PrintSettings } from '../../src-shared/printing.js';

const FILE = 'printing.json';

const stored = z.record(
  z.string(),
  z.object({ paper: z.string().optional(), printer: z.string().max(300).nullable().optional() }).partial(),
);

/** `paper`: the shop's country's full-page paper (src-shared/locale/country.ts), which decides the defaults. */
export function readPrintSettings(dataDir: string, paper: 'letter' | 'a4' = 'letter'): PrintSettings {
  const defaults = paper === 'a4' ? DEFAULT_PAPER_A4 : DEFAULT_PAPER;
  let saved: z.infer<typeof stored> = {};
  try {
    saved = stored.parse(JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')));
  } catch {
    // Missing or damaged: the defaults below are right for a new PC.
  }
  return Object.fromEntries(
    PRINT_KINDS.map((kind) => {
      const mine = saved[kind];
      const paper = PAPERS_FOR[kind].find((p) => p === mine?.paper) ?? defaults[kind];
      return [kind, { paper, printer: mine?.printer ?? null }];
    }),
  ) as PrintSettings;
}

export function savePrintSettings(dataDir: string, kind: PrintKind, change: { paper?: string; printer?: string | null }, paper: 'letter' | 'a4' = 'letter'): PrintSettings {
  const settings = readPrintSettings(dataDir, paper);
  if (change.paper !== undefined) {
    const problem = paperProblem(kind, change.paper);
    if (problem) throw new ApiError('invalid-args', problem, 'paper');
    settings[kind].paper = change.paper as Paper;
  }
  if (change.printer !== undefined) settings[kind].printer = change.printer;
  const file = path.join(dataDir, FILE);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`);
  fs.renameSync(temp, file);
  return settings;
}
