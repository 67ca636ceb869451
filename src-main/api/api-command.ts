// `npm run desk -- api METHOD [JSON-ARGS] --data DIR [--as NAME]` and `api --list`: the typed desk
// API from a script. A desk running on the folder takes the call through its command channel (its
// lock holds, its screens update, its sync sends the change); otherwise this process opens the
// folder itself, makes the call, waits for a paired desk's change to reach the relay, and closes.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ApiErrorBody } from '../../src-shared/api/errors.js';
import { Desk, readDeskConfig } from '../desk.js';
import { DeskAlreadyOpenError } from '../desk-lock.js';
import { callThroughChannel, findCommandChannel } from './command-channel.js';
import { apiMethodSchemas, callFromCommandLine, type CommandLineCall } from './command-line.js';
import type { CallOutcome } from './dispatch.js';

export const API_USAGE = `  npm run desk -- api METHOD [JSON-ARGS|-] --data DIR [--as STAFF-NAME]
                                                  call one method of the desk's API and print its JSON
                                                  result (- reads the arguments from standard input);
                                                  goes through the desk when it is running
  npm run desk -- api --list                      every method with its arguments as JSON Schema`;

/** How long a paired folder opened here waits for its change to reach the relay before closing. */
const SYNC_WAIT_MS = Number(process.env.BAYLINE_API_SYNC_WAIT_MS ?? 20_000);
/** How long to wait for a desk that holds the folder but has not opened its channel yet (starting up). */
const STARTING_WAIT_MS = 5_000;

export async function runApiCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { data: { type: 'string' }, as: { type: 'string' }, list: { type: 'boolean' } },
    strict: true,
  });
  if (values.list) {
    console.log(JSON.stringify(apiMethodSchemas(), null, 2));
    return 0;
  }
  const [method, argsText, ...extra] = positionals;
  if (!method || extra.length > 0) return usage('Say which method to call, then its arguments as one JSON text in quotes.');
  if (!values.data) return usage('Say which data folder with --data DIR.');
  const dataDir = path.resolve(values.data);
  if (!readDeskConfig(dataDir)) {
    console.error(`${dataDir} holds no Bayline workspace (no desk.json). Open the desk on it once, or check the folder.`);
    return 1;
  }
  let args: unknown = {};
  const raw = argsText === '-' ? fs.readFileSync(0, 'utf8') : argsText;
  if (raw !== undefined && raw.trim() !== '') {
    try {
      args = JSON.parse(raw);
    } catch (err) {
      return usage(`The arguments are not valid JSON (${(err as Error).message}). Put them in single quotes, e.g. '{"id": "…"}'.`);
    }
  }
  const call: CommandLineCall = { method, args, as: values.as ?? null };
  const outcome = await callRunningOrOwnDesk(dataDir, call);
  if (outcome.ok) {
    console.log(JSON.stringify(outcome.result ?? null, null, 2));
    return 0;
  }
  console.error(describeError(outcome.error));
  return 1;
}

function usage(message: string): number {
  console.error(`${message}\n\n${API_USAGE}`);
  return 2;
}

/** The sentence for a person, and the field at fault on a line of its own when there is one. */
export function describeError(error: ApiErrorBody): string {
  return error.field ? `${error.message}\nfield: ${error.field}` : error.message;
}

async function callRunningOrOwnDesk(dataDir: string, call: CommandLineCall): Promise<CallOutcome> {
  const running = await callRunning(dataDir, call);
  if (running) return running;
  let desk: Desk;
  try {
    desk = await Desk.open({ dataDir });
  } catch (err) {
    if (!(err instanceof DeskAlreadyOpenError)) throw err;
    // A desk is starting (lock taken, channel not open yet), or runs without a channel.
    const deadline = Date.now() + STARTING_WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const later = await callRunning(dataDir, call);
      if (later) return later;
    }
    throw Object.assign(
      new Error(
        `Bayline is open on ${dataDir} (process ${err.pid}) but does not take calls from the command line (it may be a "desk demo" or an older Bayline). Close it, or make the change at the desk.`,
      ),
      { code: 'desk-already-open' },
    );
  }
  try {
    const outcome = await callFromCommandLine(desk, call);
    if (outcome.ok && desk.syncClient) await waitForPush(desk);
    return outcome;
  } finally {
    await desk.close();
  }
}

export async function callRunning(dataDir: string, call: CommandLineCall): Promise<CallOutcome | null> {
  const channel = findCommandChannel(dataDir);
  return channel ? callThroughChannel(channel, call) : null;
}

/** A paired folder opened here sends what it holds before closing, so the change reaches the shop now. */
async function waitForPush(desk: Desk): Promise<void> {
  const deadline = Date.now() + SYNC_WAIT_MS;
  for (;;) {
    const status = await desk.syncStatus();
    if (status.online && status.changesWaiting === 0) return;
    if (Date.now() >= deadline) {
      console.error(
        `Saved on this PC, but the relay could not be reached (${status.problem ?? 'no answer'}); the change goes to the other desks the next time Bayline runs here.`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
