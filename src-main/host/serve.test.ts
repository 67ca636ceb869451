// `npm run desk -- serve` as a person runs it, in a child process: on a checkout whose screens were
// never built it builds them instead of asking for a build; while it runs, `desk api` goes through
// it; stopped, it leaves no command-channel file behind.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNEL_FILE } from '../api/command-channel.js';
import { tempDir } from '../testing/temp-desk.js';

const CLI = path.resolve('src-main/cli.ts');

function runDesk(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('desk serve', () => {
  const tmp = tempDir('bayline-serve-');
  let child: ChildProcess | null = null;

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds the screens when they are missing, takes desk api calls while running, and cleans up on stop', async () => {
    const rendererDir = path.join(tmp, 'screens');
    const dataDir = path.join(tmp, 'data');
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--data', dataDir, '--port', '0'], {
      env: { ...process.env, BAYLINE_RENDERER_DIR: rendererDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stdout}\n${stderr}`)), 150_000);
      child!.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        const found = /running: open (\S+)/.exec(stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      child!.once('exit', () => reject(new Error(`serve stopped: ${stdout}\n${stderr}`)));
    });
    expect(stdout).toContain('Building the Bayline screens (first start)');
    expect(fs.existsSync(path.join(rendererDir, 'index.html'))).toBe(true);
    const page = await fetch(new URL('/', url));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script[^>]+src=/);

    const checkIn = JSON.stringify({ customer: { firstName: 'Lena', lastName: 'Served' }, vehicle: { plate: 'SRV 1' } });
    const made = await runDesk('api', 'ro-check-in', checkIn, '--data', dataDir);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const board = await runDesk('api', 'ro-board', '--data', dataDir);
    expect(JSON.parse(board.stdout).map((r: { customerName: string }) => r.customerName)).toEqual(['Lena Served']);

    expect(fs.existsSync(path.join(dataDir, CHANNEL_FILE))).toBe(true);
    child.kill('SIGTERM');
    expect(await new Promise((r) => child!.once('exit', r))).toBe(0);
    expect(fs.existsSync(path.join(dataDir, CHANNEL_FILE))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'desk.lock'))).toBe(false);
  }, 240_000);
});
