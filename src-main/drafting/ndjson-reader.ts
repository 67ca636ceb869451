// Reading the relay's draft answer: NDJSON, one DraftStreamLine a line (`delta` pieces, then `done`
// or `error`). Lines may be split across chunks and several may come in one chunk; a blank line is
// skipped. A line that is not JSON, or an answer that ends before its `done` (or `error`) line,
// is an error naming what was wrong — a draft is never taken from half an answer.
import type { DraftStreamLine } from '../../src-shared/drafting/context.js';

export class DraftStreamError extends Error {}

export type DraftStreamEnd =
  | { type: 'done'; text: string; provider: string; model: string; unsure?: boolean; factsUsed?: string[] }
  | { type: 'error'; text: string; code: string; message: string };

/** Each complete line of a byte stream, as text (without its newline), in order. */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line.trim() !== '') yield line;
      }
    }
    pending += decoder.decode();
    if (pending.trim() !== '') yield pending;
    finished = true;
  } finally {
    // The caller stopped early (the answer is known): whatever else comes is not read.
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}

/**
 * Reads a draft answer to its end: `onLine` is called for every line (the first one stops the
 * first-line timer), `onText` with the text so far after each delta. Returns the `done` or
 * `error` line with the text; throws DraftStreamError for a line that is not JSON or an answer
 * that ends without `done`.
 */
export async function readDraftStream(body: ReadableStream<Uint8Array>, on: { onLine?(): void; onText?(text: string): void } = {}): Promise<DraftStreamEnd> {
  let text = '';
  let n = 0;
  for await (const raw of ndjsonLines(body)) {
    n += 1;
    on.onLine?.();
    let line: DraftStreamLine;
    try {
      line = JSON.parse(raw) as DraftStreamLine;
    } catch {
      throw new DraftStreamError(`Line ${n} of the relay's draft is not JSON: "${raw.slice(0, 60)}${raw.length > 60 ? '…' : ''}".`);
    }
    if (line === null || typeof line !== 'object') throw new DraftStreamError(`Line ${n} of the relay's draft is not a draft line: ${raw.slice(0, 60)}.`);
    if (line.type === 'delta' && typeof line.text === 'string') {
      text += line.text;
      on.onText?.(text);
    } else if (line.type === 'done') {
      const said: { unsure?: boolean; factsUsed?: string[] } = {};
      if (typeof line.unsure === 'boolean') said.unsure = line.unsure;
      if (Array.isArray(line.factsUsed)) said.factsUsed = line.factsUsed.filter((f): f is string => typeof f === 'string');
      return { type: 'done', text, provider: String(line.provider ?? ''), model: String(line.model ?? ''), ...said };
    } else if (line.type === 'error') {
      return { type: 'error', text, code: String(line.code ?? ''), message: String(line.message ?? '') };
    }
  }
  throw new DraftStreamError(n === 0 ? 'The relay\'s draft answer was empty.' : `The relay's draft answer ended after ${n} line${n === 1 ? '' : 's'} without its "done" line, so the draft may be cut short.`);
}
