// `npm start`: builds the renderer when its sources changed, then opens the desk in Electron, or in
// the browser host where Electron's binary is not installed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Desk, readDeskConfig } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RENDERER_OUT = path.join(ROOT, 'out', 'renderer');
const RENDERER_SOURCES = [path.join(ROOT, 'src-renderer'), path.join(ROOT, 'src-shared')];
const DEFAULT_PORT = 4780;

async function main(): Promise<number> {
  await buildRendererIfStale();
  const dataDir = path.resolve(process.env.BAYLINE_DATA ?? 'data');
  await seedDemoOnFirstRun(dataDir);
  const electron = findElectron();
  if (electron.binary !== null) return runElectron(electron.binary, dataDir);
  return runBrowserHost(electron.reason, dataDir);
}

/**
 * A new user's first `npm start` opens a shop with work in it rather than an empty board.
 * BAYLINE_EMPTY=1 starts a real shop with nothing in it instead.
 */
async function seedDemoOnFirstRun(dataDir: string): Promise<void> {
  if (readDeskConfig(dataDir) !== null || process.env.BAYLINE_EMPTY === '1') return;
  console.log('First start: filling the data folder with a demo shop (BAYLINE_EMPTY=1 skips this)…');
  const desk = await Desk.open({ dataDir });
  try {
    const { seedDemoShop } = await import('../src-main/demo/demo-shop.js');
    const seeded = await seedDemoShop(desk);
    console.log(`Demo shop ready: ${seeded.openRos} open and ${seeded.closedRos} closed repair orders.`);
  } finally {
    await desk.close();
  }
}

async function buildRendererIfStale(): Promise<void> {
  const index = path.join(RENDERER_OUT, 'index.html');
  const builtAt = fs.existsSync(index) ? fs.statSync(index).mtimeMs : -1;
  const newestSource = Math.max(...RENDERER_SOURCES.map(newestChange));
  if (builtAt >= newestSource) return;
  console.log('Building the Bayline screens…');
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'src-renderer', 'vite.config.ts'), logLevel: 'warn' });
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

/**
 * The electron package only knows its binary's path once its postinstall downloaded it
 * (path.txt + dist/); `require('electron')` throws otherwise.
 */
function findElectron(): { binary: string; reason?: undefined } | { binary: null; reason: string } {
  if (process.env.BAYLINE_BROWSER === '1') return { binary: null, reason: 'BAYLINE_BROWSER=1 asks for the browser' };
  const require = createRequire(import.meta.url);
  let binary: string;
  try {
    binary = require('electron') as string;
  } catch {
    return { binary: null, reason: "Electron's program was not downloaded when the packages were installed" };
  }
  if (typeof binary !== 'string' || !fs.existsSync(binary)) {
    return { binary: null, reason: "Electron's program is missing from node_modules/electron/dist" };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { binary: null, reason: 'there is no screen (no DISPLAY) for an Electron window' };
  }
  return { binary };
}

async function runElectron(binary: string, dataDir: string): Promise<number> {
  console.log('Building the Bayline desktop app…');
  const { build } = await import('electron-vite');
  await build({ configFile: path.join(ROOT, 'electron.vite.config.ts') });
  const child = spawn(binary, [ROOT], { stdio: 'inherit', cwd: ROOT, env: { ...process.env, BAYLINE_DATA: dataDir } });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function runBrowserHost(whyNoElectron: string, dataDir: string): Promise<number> {
  const wantedPort = readPort(process.env.BAYLINE_PORT);
  const desk = await Desk.open({ dataDir, scheduleBackups: true });
  let host: BrowserHost;
  try {
    host = await startBrowserHost({ desk, port: wantedPort, rendererDir: RENDERER_OUT }).catch(async (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      const fallback = await startBrowserHost({ desk, port: 0, rendererDir: RENDERER_OUT });
      console.log(`Port ${wantedPort} is already in use, so Bayline took port ${fallback.port} instead.`);
      return fallback;
    });
  } catch (err) {
    await desk.close();
    throw err;
  }

  console.log('');
  console.log('Electron is not available on this machine, so the desk runs in your browser.');
  console.log(`(${whyNoElectron}.)`);
  console.log(`Bayline desk is running: open ${host.url}`);
  console.log(`Data folder: ${dataDir}. Press Ctrl+C to stop.`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // A second Ctrl+C while shutting down means "now".
  process.once('SIGINT', () => process.exit(130));
  console.log('Stopping Bayline…');
  await host.close();
  await desk.close();
  return 0;
}

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartError(`BAYLINE_PORT must be a port number from 0 to 65535, not "${value}".`);
  }
  return port;
}

class StartError extends Error {}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Errors meant for people (desk already open, bad setting) are shown as they are.
    if (err instanceof StartError || (err as { code?: unknown }).code === 'desk-already-open') {
      console.error((err as Error).message);
    } else {
      console.error('Bayline could not start:', err);
    }
    process.exit(1);
  },
);
