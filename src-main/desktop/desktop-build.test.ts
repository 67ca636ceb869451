// `electron-vite build` makes the three bundles the installer packs (main, preload, renderer), and
// the main bundle starts in plain Node with `electron` replaced by a stand-in
// (testing/electron-stub.cjs): a missing import, a wrong export name or a path that points nowhere
// fails here instead of on a shop's PC. Built into a temp folder; bounded to a few minutes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_MS = 6 * 60 * 1000;

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took longer than ${timeoutMs / 1000} s:\n${output.slice(-3000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the desktop build', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-desktop-build-'));
  const out = path.join(work, 'out');
  let build: { code: number | null; output: string };

  beforeAll(async () => {
    build = await run(process.execPath, [path.join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { BAYLINE_BUILD_OUT: out }, BUILD_MS);
  }, BUILD_MS + 10_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('makes the main, preload and renderer bundles where main.ts looks for them', () => {
    expect(build.code, build.output.slice(-3000)).toBe(0);
    for (const file of ['main/index.js', 'preload/index.cjs', 'renderer/index.html']) expect(fs.existsSync(path.join(out, file)), file).toBe(true);
    // Every script and stylesheet the page names was written beside it.
    const html = fs.readFileSync(path.join(out, 'renderer/index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((a) => !fs.existsSync(path.join(out, 'renderer', a)))).toEqual([]);
    expect(html).toContain('Content-Security-Policy');
    // The sandboxed preload is CommonJS, and names electron only as a require.
    const preload = fs.readFileSync(path.join(out, 'preload/index.cjs'), 'utf8');
    expect(preload).toMatch(/require\(["']electron["']\)/);
    expect(preload).not.toMatch(/^import /m);
  });

  it('the main bundle needs only packages the installer carries (package.json dependencies) and Node\'s own', () => {
    expect(build.code).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const carried = new Set([...Object.keys(pkg.dependencies), 'electron']);
    const files = fs.readdirSync(path.join(out, 'main'), { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
    const needed = new Set<string>();
    for (const file of files) {
      const code = fs.readFileSync(path.join(out, 'main', file), 'utf8');
      const statements = [/^\s*(?:import|export)\s[^;'"]*?\bfrom\s*["']([^"'\s]+)["']/gm, /^\s*import\s*["']([^"'\s]+)["']/gm, /\b(?:import|require)\(\s*["']([^"'\s]+)["']\s*\)/g];
      for (const m of statements.flatMap((pattern) => [...code.matchAll(pattern)])) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || spec.startsWith('.') || spec.startsWith('/')) continue;
        needed.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect(needed.has('better-sqlite3')).toBe(true);
    const builtins = new Set(['fs', 'path', 'os', 'crypto', 'url', 'util', 'events', 'stream', 'http', 'https', 'net', 'zlib', 'child_process', 'worker_threads', 'module', 'assert', 'buffer', 'tty', 'dns', 'readline', 'string_decoder', 'timers', 'perf_hooks', 'async_hooks', 'v8', 'vm', 'process', 'constants', 'querystring', 'punycode', 'tls', 'dgram', 'http2', 'inspector', 'diagnostics_channel']);
    expect([...needed].filter((name) => !carried.has(name) && !builtins.has(name)).sort()).toEqual([]);
  });

  it('the main bundle starts in Node with electron stood in: opens the data, shows the page, takes a pairing link, closes cleanly', async () => {
    expect(build.code).toBe(0);
    // node_modules for the bundle: the project's, except electron, which is the stand-in.
    const modules = path.join(work, 'node_modules');
    fs.mkdirSync(path.join(modules, 'electron'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'src-main/desktop/testing/electron-stub.cjs'), path.join(modules, 'electron', 'index.js'));
    fs.writeFileSync(path.join(modules, 'electron', 'package.json'), JSON.stringify({ name: 'electron', main: 'index.js' }));
    for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
      if (entry !== 'electron' && entry !== '.bin') fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
    }
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'bayline', type: 'module', main: 'out/main/index.js' }));
    const appData = path.join(work, 'AppData', 'Roaming');
    fs.mkdirSync(appData, { recursive: true });
    const logFile = path.join(work, 'stub.log');
    fs.writeFileSync(logFile, '');

    const started = await run(
      process.execPath,
      [path.join(out, 'main/index.js')],
      { BAYLINE_STUB_LOG: logFile, BAYLINE_STUB_APPDATA: appData, BAYLINE_DATA: '', BAYLINE_RESOURCES: path.join(ROOT, 'resources') },
      120_000,
    );
    const log = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { what: string; detail: any });
    const find = (what: string) => log.filter((l) => l.what === what).map((l) => l.detail);
    expect(find('stub.error')).toEqual([]);
    expect(started.code, `${started.output.slice(-3000)}\n${JSON.stringify(log, null, 1).slice(-3000)}`).toBe(0);

    // Crash reports and the shop's data under the user's AppData\Roaming\Bayline.
    expect(find('crashReporter.start')).toEqual([expect.objectContaining({ uploadToServer: false })]);
    expect(find('app.setPath')).toEqual(
      expect.arrayContaining([
        { name: 'userData', value: path.join(appData, 'Bayline') },
        { name: 'crashDumps', value: path.join(appData, 'Bayline', 'crash-reports') },
      ]),
    );
    expect(fs.existsSync(path.join(appData, 'Bayline', 'data', 'desk.json'))).toBe(true);
    expect(find('app.requestSingleInstanceLock')).toHaveLength(1);
    expect(find('app.setAsDefaultProtocolClient')).toEqual([{ protocol: 'bayline', args: 0 }]);

    // The window: the built preload and page, locked down.
    const [window] = find('new BrowserWindow');
    expect(window).toMatchObject({ sandbox: true, contextIsolation: true });
    expect(window.preload).toBe(path.join(out, 'preload/index.cjs'));
    expect(find('window.loadFile')).toEqual([path.join(out, 'renderer/index.html')]);
    expect(find('page.call(workspace-get)')).toEqual([{ ok: true, name: expect.any(String) }]);

    // A second start with a pairing link: the window comes forward, the page is told, and only
    // Bayline's own page may take the link, once.
    expect(find('window.focus')).toHaveLength(1);
    expect(find('webContents.send').filter((s) => s.channel === 'bayline:pairing-link')).toHaveLength(1);
    expect(find('page.takePairingLink(other page)')).toEqual([null]);
    expect(find('page.takePairingLink')).toEqual([{ relayUrl: 'https://relay.example.com', code: 'ABCD2345' }]);
    expect(find('page.takePairingLink(again)')).toEqual([null]);
    // Not an installed Windows desk: no updates.
    expect(find('page.updateState')).toEqual([expect.objectContaining({ phase: 'off' })]);

    // The window's place was remembered on close.
    expect(JSON.parse(fs.readFileSync(path.join(appData, 'Bayline', 'window-state.json'), 'utf8'))).toMatchObject({ x: 10, y: 20, width: 1400, height: 900, maximized: false });
    expect(find('app.quit')).toHaveLength(1);
  }, 150_000);
});
