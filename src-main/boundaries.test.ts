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

/** Imports that load code: `import type` and `export type` are erased from the bundle. */
function valueImportsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/^\s*(?:import|export)\s+type\s[^;]*?from\s*['"][^'"]+['"];?/gm, '');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
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

  it("the renderer's import closure reaches no Node built-in, no database or image library, and not the shared schema or database code", () => {
    // Every module the screens' bundle loads, following relative imports through src-shared and beyond.
    const seen = new Set<string>();
    const bare = new Map<string, string>();
    const queue = sourceFiles('src-renderer').filter((f) => !/\.test\.tsx?$/.test(f) && !f.endsWith('vite.config.ts'));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of valueImportsOf(file)) {
        if (!specifier.startsWith('.')) {
          bare.set(specifier, file);
          continue;
        }
        const stem = path.join(path.dirname(file), specifier).replace(/\.(js|jsx|ts|tsx)$/, '');
        const target = [`${stem}.ts`, `${stem}.tsx`, path.join(stem, 'index.ts')].find((c) => fs.existsSync(c));
        if (target) queue.push(target);
      }
    }
    const forbidden = (s: string) => s.startsWith('node:') || ['better-sqlite3', 'pg', 'sharp', 'electron', 'fs', 'path', 'crypto'].includes(s.split('/')[0]!);
    const offenders = [
      ...[...bare].filter(([s]) => forbidden(s)).map(([s, f]) => `${f}: ${s}`),
      ...[...seen].filter((f) => /^(src-main|relay)\//.test(f) || /^src-shared\/(schema|db)\//.test(f)),
    ];
    expect(offenders).toEqual([]);
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].some((f) => f.startsWith(path.join('src-shared', 'api')))).toBe(true);
  });

  it('nothing in relay/ imports src-main/ outside test support (relay/testing/, *.test.ts, testing.ts)', () => {
    const offenders = sourceFiles('relay')
      .filter((f) => !f.startsWith(path.join('relay', 'testing') + path.sep) && !/\.test\.ts$/.test(f) && path.basename(f) !== 'testing.ts')
      .flatMap((f) => importsOf(f).filter((i) => i.includes('src-main')).map((i) => `${f}: ${i}`));
    expect(offenders).toEqual([]);
    // The check sees such an import where there is one (test support may have them).
    expect(importsOf(path.join('relay', 'testing', 'sync-fixture.ts')).some((i) => i.includes('src-main'))).toBe(true);
  });

  it('the check sees an electron import where there is one', () => {
    expect(importsOf(path.join('src-main', 'electron', 'main.ts'))).toContain('electron');
  });
});
