// Builds the desk's screens (the renderer) when they are missing or older than their sources, for
// `npm start` and `desk serve` alike. In an installed app there are no sources beside it, so
// nothing is rebuilt there.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RENDERER_SOURCES = [path.join(ROOT, 'src-renderer'), path.join(ROOT, 'src-shared')];
const VITE_CONFIG = path.join(ROOT, 'src-renderer', 'vite.config.ts');

/** Builds into `outDir` when its index.html is missing or older than any renderer source; says so on the console. */
export async function buildRendererIfStale(outDir: string): Promise<boolean> {
  const index = path.join(outDir, 'index.html');
  const builtAt = fs.existsSync(index) ? fs.statSync(index).mtimeMs : -1;
  const newestSource = Math.max(...RENDERER_SOURCES.map(newestChange));
  if (builtAt >= newestSource) return false;
  console.log(builtAt < 0 ? 'Building the Bayline screens (first start)…' : 'Building the Bayline screens…');
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw Object.assign(
      new Error(`The Bayline screens are not built (no ${index}), and this copy cannot build them: run "npm install", then start again.`),
      { code: 'screens-missing' },
    );
  }
  await vite.build({ configFile: VITE_CONFIG, build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
  return true;
}

/** Latest modification time of any file below `dir` (tests excluded: they are not shipped). */
function newestChange(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /\.test\.tsx?$/.test(entry.name)) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}
