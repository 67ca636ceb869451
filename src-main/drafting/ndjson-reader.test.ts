// The relay's NDJSON draft answer, read from a byte stream cut into arbitrary chunks.
import { describe, expect, it } from 'vitest';
import { DraftStreamError, ndjsonLines, readDraftStream } from './ndjson-reader.js';

/** A byte stream that delivers `chunks` as given (strings, cut anywhere, even inside a character). */
function stream(...chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const bytes = chunks.map((c) => (typeof c === 'string' ? new TextEncoder().encode(c) : c));
  return new ReadableStream({
    pull(controller) {
      const next = bytes.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

const delta = (text: string) => `${JSON.stringify({ type: 'delta', text })}\n`;
const DONE = `${JSON.stringify({ type: 'done', provider: 'fake-openai', model: 'fake-drafter', usage: { inputTokens: 10, outputTokens: 5 } })}\n`;

describe('reading the relay\'s NDJSON draft', () => {
  it('joins a line split across chunks, even inside a multi-byte character', async () => {
    const whole = new TextEncoder().encode(delta('Hi Zoë, ') + delta('ready Dec 4.') + DONE);
    const cutInZoe = whole.indexOf(0xc3) + 1; // between the two bytes of "ë"
    const seen: string[] = [];
    const end = await readDraftStream(stream(whole.slice(0, 5), whole.slice(5, cutInZoe), whole.slice(cutInZoe, 40), whole.slice(40)), { onText: (t) => seen.push(t) });
    expect(end).toEqual({ type: 'done', text: 'Hi Zoë, ready Dec 4.', provider: 'fake-openai', model: 'fake-drafter' });
    expect(seen).toEqual(['Hi Zoë, ', 'Hi Zoë, ready Dec 4.']);
  });

  it('reads several lines in one chunk, in order, and skips blank lines', async () => {
    const lines: string[] = [];
    for await (const l of ndjsonLines(stream(`${delta('a')}\n${delta('b')}\r\n${DONE}`))) lines.push(l);
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['delta', 'delta', 'done']);
    let firstLine = 0;
    const end = await readDraftStream(stream(delta('one ') + delta('two') + DONE), { onLine: () => (firstLine += 1) });
    expect(end.text).toBe('one two');
    expect(firstLine).toBe(3);
  });

  it('takes a last line without its newline', async () => {
    expect(await readDraftStream(stream(delta('Hi'), DONE.trimEnd()))).toMatchObject({ type: 'done', text: 'Hi' });
  });

  it('says so when the answer ends without its "done" line', async () => {
    const cut = readDraftStream(stream(delta('Hi Zoë, your car'), delta(' is ready')));
    await expect(cut).rejects.toThrow(DraftStreamError);
    await expect(readDraftStream(stream(delta('Hi Zoë, your car'), delta(' is ready')))).rejects.toThrow('The relay\'s draft answer ended after 2 lines without its "done" line, so the draft may be cut short.');
    await expect(readDraftStream(stream())).rejects.toThrow("The relay's draft answer was empty.");
  });

  it('says which line is not JSON', async () => {
    await expect(readDraftStream(stream(delta('Hi'), '<html>502 Bad Gateway</html>\n', DONE))).rejects.toThrow('Line 2 of the relay\'s draft is not JSON: "<html>502 Bad Gateway</html>".');
  });

  it('hands back an error line with the text so far', async () => {
    const end = await readDraftStream(stream(delta('Hi'), `${JSON.stringify({ type: 'error', code: 'timeout', message: 'The model did not finish.' })}\n`));
    expect(end).toEqual({ type: 'error', text: 'Hi', code: 'timeout', message: 'The model did not finish.' });
  });
});
