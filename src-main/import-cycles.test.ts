// No module imports itself through others (type imports count: they tie modules together for
// the reader and the compiler alike). The graph is read from the source text of src-main,
// src-shared and relay; a loop fails this test by naming its files in order.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['src-main', 'src-shared', 'relay'];

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.parentPath.split(path.sep).includes('node_modules'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Static imports and re-exports (`import … from`, `import type … from`, `export … from`, `import '…'`). */
export function relativeImports(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
  ].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith('.'));
}

function resolve(from: string, specifier: string, files: Set<string>): string | null {
  const base = path.join(path.dirname(from), specifier);
  const stem = base.replace(/\.(js|jsx|ts|tsx|mjs)$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, path.join(stem, 'index.ts')]) if (files.has(candidate)) return candidate;
  return null;
}

export function importGraph(roots: readonly string[]): Map<string, string[]> {
  const files = roots.flatMap(sourceFiles);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = relativeImports(fs.readFileSync(file, 'utf8'))
      .map((s) => resolve(file, s, known))
      .filter((t): t is string => t !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Each loop once, as the files in import order ending where it began; a small depth-first search. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('import cycles', () => {
  it('src-main, src-shared and relay have none', () => {
    const cycles = findCycles(importGraph(ROOTS)).map((c) => c.join(' → '));
    expect(cycles).toEqual([]);
  });

  it('the search finds a loop, through type imports too, and names it', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(relativeImports("import type { Desk } from '../desk.js';\nexport { x } from './x.js';\nimport fs from 'node:fs';")).toEqual([
      '../desk.js',
      './x.js',
    ]);
  });
});
