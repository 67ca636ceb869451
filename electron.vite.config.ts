// electron-vite build of the desktop app: main process, the sandboxed preload and the renderer,
// into out/main, out/preload and out/renderer (the layout src-main/electron/main.ts expects).
// BAYLINE_BUILD_OUT puts that layout elsewhere (the build test builds into a temp folder).
import path, { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { ELECTRON_PAGE_CSP } from './src-main/host/desk-csp.js';

const OUT = path.resolve(process.env.BAYLINE_BUILD_OUT ?? 'out');

export default defineConfig({
  main: {
    build: {
      outDir: path.join(OUT, 'main'),
      // A native module: loaded from node_modules at run time, never bundled.
      externalizeDeps: { include: ['better-sqlite3'] },
      rolldownOptions: {
        input: { index: resolve('src-main/electron/main.ts') },
        external: ['better-sqlite3'],
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: path.join(OUT, 'preload'),
      rolldownOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        // A sandboxed preload cannot be an ES module, whatever package.json's "type" says.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    base: './',
    plugins: [
      react(),
      // The window's Content-Security-Policy, the browser host's rules (src-main/host/desk-csp.ts);
      // built pages only (the dev server needs its own inline script and socket).
      {
        name: 'bayline-desk-csp',
        apply: 'build',
        transformIndexHtml: (html: string) => html.replace(/<head>/i, `<head>\n    <meta http-equiv="Content-Security-Policy" content="${ELECTRON_PAGE_CSP}" />`),
      },
    ],
    build: {
      outDir: path.join(OUT, 'renderer'),
      rolldownOptions: {
        input: { index: resolve('src-renderer/index.html') },
      },
    },
  },
});
