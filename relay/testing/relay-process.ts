// Test support: the relay as its own process (`relay/cli.ts serve`), so a test can run several
// against one database or kill one the hard way.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export interface RelayProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL (SIGTERM first when it writes a CPU profile, so the profile is written), and wait for the process to be gone. */
  kill(): Promise<void>;
}

/**
 * How long a relay process may take to say it is running. It loads every SDK through tsx's
 * loader: about 6–13 s on an idle 2-core machine, and several times that while the rest of the
 * suite runs beside it (a CI run saw more than 30 s). A test that starts relays allows this per start.
 */
export const RELAY_START_MS = 120_000;

/**
 * Starts `serve --db URL` (a PostgreSQL URL) or `serve --data DIR` (anything else) on `port`,
 * and waits for "Bayline relay is running" (or fails with its output).
 */
export async function spawnRelay(
  location: string,
  port: number,
  options: { extraArgs?: string[]; timeoutMs?: number; env?: Record<string, string>; cpuProfileDir?: string } = {},
): Promise<RelayProcess> {
  const timeoutMs = options.timeoutMs ?? RELAY_START_MS;
  const where = /^postgres(ql)?:\/\//.test(location) ? ['--db', location] : ['--data', location];
  // Node writes a .cpuprofile on a normal exit (the relay's SIGTERM path), never on SIGKILL.
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const args = [...profile, '--import', 'tsx', path.resolve('relay/cli.ts'), 'serve', ...where, '--port', String(port), ...(options.extraArgs ?? [])];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BAYLINE_LOG_LEVEL: 'warn', ...options.env },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay did not start within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = () => {
      if (output.includes('Bayline relay is running')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${code ?? signal}) before it was running: ${output}`));
    });
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async kill() {
      const running = () => child.exitCode === null && child.signalCode === null;
      if (running() && options.cpuProfileDir) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      }
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A port nobody listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
