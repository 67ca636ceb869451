// The HEIC decoder on its own: a real iPhone-format file decodes to upright pixels; what it says
// about its size is checked before decoding; a decode past its time is stopped; and the renderer
// never imports this Node-only folder.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeHeic, HeicError, looksLikeHeic } from './heic.js';

const HEIC = fs.readFileSync(new URL('../../relay/uploads/fixtures/iphone-rotated-gps.heic', import.meta.url));

async function problemOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(HeicError);
  return (err as HeicError).problem;
}

describe('HEIC decoding', () => {
  it('gives the upright pixels of a real file', async () => {
    expect(looksLikeHeic(HEIC)).toBe(true);
    const { width, height, data } = await decodeHeic(HEIC);
    expect([width, height, data.length]).toEqual([240, 320, 240 * 320 * 4]);
    expect(data[(10 * 240 + 10) * 4]).toBeGreaterThan(150); // red at the top
    expect(data[(310 * 240 + 10) * 4 + 2]).toBeGreaterThan(150); // blue at the bottom
  });

  it('decodes many photos sent at once, two at a time, each completely', async () => {
    const all = await Promise.all(Array.from({ length: 5 }, () => decodeHeic(HEIC)));
    expect(all.map((d) => `${d.width}×${d.height}`)).toEqual(Array(5).fill('240×320'));
  });

  it('refuses too many pixels before decoding, damaged files, and decodes past their time', async () => {
    expect(await problemOf(decodeHeic(HEIC, { maxPixels: 240 * 320 - 1, timeoutMs: 10_000 }))).toBe('too-large');
    expect(await problemOf(decodeHeic(Buffer.concat([HEIC.subarray(0, 400), Buffer.alloc(400, 7)])))).toBe('damaged');
    expect(await problemOf(decodeHeic(Buffer.from('not a photo at all, just words')))).toBe('damaged');
    const started = Date.now();
    expect(await problemOf(decodeHeic(HEIC, { maxPixels: 50_000_000, timeoutMs: 1 }))).toBe('too-slow');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('is never imported by the renderer (it needs Node)', () => {
    const files = fs
      .readdirSync('src-renderer', { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
      .map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((f) => /src-shared\/media\//.test(fs.readFileSync(f, 'utf8')))).toEqual([]);
  });
});
