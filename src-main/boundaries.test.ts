// The folder boundaries that keep the desk core runnable without Electron and the UI free of
// Node: checked on the source text, so a stray import fails here rather than on a shop's PC.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('import boundaries', () => {
  it('nothing in the desk core imports electron (only src-main/electron/ may)', () => {
    const offenders = sourceFiles('src-main')
      .filter((f) => !f.startsWith(path.join('src-main', 'electron') + path.sep))
      .filter((f) => importsOf(f).some((i) => i === 'electron' || i.startsWith('electron/')));
    expect(offenders).toEqual([]);
  });

  it('the renderer imports neither the desk core, nor electron, nor Node built-ins', () => {
    const offenders = sourceFiles('src-renderer')
      .filter((f) => !/\.test\.tsx?$/.test(f) && !f.endsWith('vite.config.ts'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.includes('src-main') || i === 'electron' || i.startsWith('node:'))
          .map((i) => `${f}: ${i}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the check sees an electron import where there is one', () => {
    expect(importsOf(path.join('src-main', 'electron', 'main.ts'))).toContain('electron');
  });
});
