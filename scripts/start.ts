// `npm start`: Bayline on one machine. Builds the renderer when its sources changed, runs a local
// relay (SQLite in DATA/relay), pairs the desk with it on first start (and fills it with the demo
// shop), then opens the desk in Electron, or in the browser host where Electron is not installed.
// With the demo shop and no TELNYX_API_KEY, texting runs against the built-in demo phone (a fake
// Telnyx on 127.0.0.1 with a page showing what the customers' phones received).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Desk, readDeskConfig } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { openCommandChannel } from '../src-main/api/command-channel.js';
import { buildRendererIfStale } from '../src-main/host/renderer-build.js';
import { readDevice } from '../src-main/sync/device.js';
import { pairDesk } from '../src-main/sync/pair.js';
import { issuePairingCode } from '../relay/pairing.js';
import { type RunningRelay, startRelay } from '../relay/server.js';
import { readTelnyxConfig, type TelnyxConfig } from '../relay/sms/config.js';
import { DEMO_TEXTING_NUMBER, type DemoPhone, startDemoPhone } from '../relay/sms/demo-phone/demo-phone.js';
import { openSqliteStorage } from '../relay/storage/sqlite.js';
import { readSealConfig, type SealConfig } from '../relay/esign/config.js';
import { PdfSealer } from '../relay/esign/seal.js';
import { type MailConfig, MailConfigError, readMailConfig } from '../relay/email/config.js';
import { DraftingConfigError, readDraftingConfig } from '../relay/drafting/config.js';
import { ProviderApiConfigError, readProviderApiConfig } from '../relay/provider-api/config.js';
import { readProviderMailConfig } from '../relay/providers/auth.js';
import { exitWhenFlushed } from '../src-shared/exit-flushed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RENDERER_OUT = path.join(ROOT, 'out', 'renderer');
const DEFAULT_PORT = 4780;
const DEFAULT_RELAY_PORT = 4790;

async function main(): Promise<number> {
  await buildRendererIfStale(RENDERER_OUT);
  const root = path.resolve(process.env.BAYLINE_DATA ?? 'data');
  const deskDir = path.join(root, 'desk');
  const firstRun = readDeskConfig(deskDir) === null;
  const demo = firstRun ? process.env.BAYLINE_EMPTY !== '1' : fs.existsSync(path.join(root, DEMO_PHONE_FILE));
  const realTelnyx = readTelnyxConfig();
  // The demo texts through the demo phone, unless a real Telnyx account is configured: then it is Telnyx.
  const phone = demo && !realTelnyx ? await startLocalDemoPhone(root) : null;
  try {
    const relay = await startLocalRelay(path.join(root, 'relay'), deskDir, phone?.telnyx ?? realTelnyx);
    try {
      phone?.connect(relay.url);
      if (firstRun) await setUpOnFirstRun(deskDir, relay, demo, phone);
      const device = readDevice(deskDir);
      if (!phone && realTelnyx && device && (await relay.app.storage.sms.numberOfWorkspace(device.workspace.id)) === DEMO_TEXTING_NUMBER) {
        console.log(
          "This folder holds the demo shop, whose texting number (512) 555-0199 is the demo phone's: Telnyx will not send from it. For real texts, start on a new data folder (BAYLINE_EMPTY=1) and give that shop a number with `npm run relay -- number provision`.",
        );
      }
      if (phone) {
        // For the desk this process starts (or Electron's): it shows a "Demo phone" link.
        process.env.BAYLINE_DEMO_PHONE_URL = phone.url;
        console.log(`Texting runs against the demo phone (no Telnyx account needed); what customers' phones received: ${phone.url}`);
      }
      const electron = findElectron();
      if (electron.binary !== null) return await runElectron(electron.binary, deskDir);
      return await runBrowserHost(electron.reason, deskDir, relay);
    } finally {
      await relay.close();
    }
  } finally {
    await phone?.close();
  }
}

/** The demo phone's texts, kept in the data folder; its presence also marks a demo shop's folder. */
const DEMO_PHONE_FILE = 'demo-phone.json';

async function startLocalDemoPhone(root: string): Promise<DemoPhone> {
  let names: ((phone: string) => Promise<string | null>) | null = null;
  const phone = await startDemoPhone({ stateFile: path.join(root, DEMO_PHONE_FILE), nameOf: (n) => names?.(n) ?? Promise.resolve(null) });
  const deskDir = path.join(root, 'desk');
  // The customers' names for the phone's list, from the shop's data on the local relay.
  names = async (number) => {
    const device = readDevice(deskDir);
    if (!device || !relayStorage) return null;
    const store = await relayStorage.workspaceStore(device.workspace.id);
    const row = await store.db.selectFrom('customers').select(['first_name', 'last_name']).where('mobile', '=', number).executeTakeFirst();
    return row ? [row.first_name, row.last_name].filter(Boolean).join(' ') : null;
  };
  return phone;
}

let relayStorage: RunningRelay['app']['storage'] | null = null;

/**
 * The relay a single machine needs, in the same process. Its port must stay the same from one
 * start to the next, because the paired desk remembers the address.
 */
/** The sealing settings of a one-machine Bayline: the environment's, or a key kept in the relay's folder. */
function localSealConfig(relayDir: string): SealConfig {
  const configured = readSealConfig(process.env);
  if (configured) return configured;
  const keyFile = path.join(relayDir, 'esign.key');
  if (!fs.existsSync(keyFile)) {
    fs.mkdirSync(relayDir, { recursive: true });
    fs.writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const config = readSealConfig({ BAYLINE_ESIGN_KEY_FILE: keyFile });
  if (!config) throw new StartError(`The sealing key ${keyFile} is empty; delete it and start again.`);
  return config;
}

/**
 * The mail settings of a one-machine Bayline: the environment's (Google and Microsoft apps, a
 * token key), or else a token key kept in the relay's folder, so a shop can connect an IMAP/SMTP
 * mailbox (or `npm run local-mail`) with no settings at all.
 */
function localMailConfig(relayDir: string): MailConfig {
  let env = process.env;
  if (!env.BAYLINE_MAIL_TOKEN_KEY && !env.BAYLINE_MAIL_TOKEN_KEY_FILE) {
    const keyFile = path.join(relayDir, 'mail-token.key');
    if (!fs.existsSync(keyFile)) {
      fs.mkdirSync(relayDir, { recursive: true });
      fs.writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    }
    env = { ...env, BAYLINE_MAIL_TOKEN_KEY_FILE: keyFile };
  }
  const config = readMailConfig(env);
  if (!config) throw new StartError('The mail token key is empty: delete DATA/relay/mail-token.key (or fix BAYLINE_MAIL_TOKEN_KEY) and start again.');
  return config;
}

async function startLocalRelay(relayDir: string, deskDir: string, telnyx: TelnyxConfig | null): Promise<RunningRelay> {
  const paired = readDevice(deskDir);
  const port = paired ? Number(new URL(paired.relayUrl).port) : readPort(process.env.BAYLINE_RELAY_PORT, DEFAULT_RELAY_PORT);
  const storage = await openSqliteStorage(relayDir);
  try {
    const relay = await startRelay({
      storage,
      port,
      blobDir: path.join(relayDir, 'blobs'),
      logger: { level: process.env.BAYLINE_LOG_LEVEL ?? 'warn' },
      // Texting when TELNYX_API_KEY (and the rest) are set, or through the demo phone; off otherwise.
      telnyx,
      // Signed documents are sealed by a certificate per shop, itself sealed by a key this machine
      // makes on first start (DATA/relay/esign.key), unless BAYLINE_ESIGN_KEY or a .p12 is given.
      esign: { sealer: new PdfSealer({ storage, config: localSealConfig(relayDir) }) },
      // Email: mailbox passwords and tokens are sealed with a key kept beside the relay's data
      // (DATA/relay/mail-token.key) unless the environment names one; Gmail and Outlook when
      // their apps are set (GOOGLE_CLIENT_ID…, MICROSOFT_CLIENT_ID…), as for `relay serve`.
      mailConfig: localMailConfig(relayDir),
      // The rest as `relay serve` reads them: drafts by a model (BAYLINE_AI_*), the work
      // providers' API and their sign-in mail.
      draftingConfig: readDraftingConfig(process.env),
      providerApi: readProviderApiConfig(process.env),
      providerMail: readProviderMailConfig(process.env),
    });
    relayStorage = relay.app.storage;
    return relay;
  } catch (err) {
    await storage.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartError(
        `Port ${port} is taken, and the local relay needs it. Stop what uses it, or start with BAYLINE_RELAY_PORT=<free port> on a new data folder.`,
      );
    }
    throw err;
  }
}

/**
 * First start: the relay gets a workspace (Lakeside Collision for the demo), the demo phone's
 * number is provisioned for it, the desk is paired with it, and (unless BAYLINE_EMPTY=1) the desk
 * is filled with the demo shop, which then syncs to the relay.
 */
async function setUpOnFirstRun(deskDir: string, relay: RunningRelay, demo: boolean, phone: DemoPhone | null): Promise<void> {
  const storage = relay.app.storage;
  const { slug, name } = demo ? { slug: 'lakeside-collision', name: 'Lakeside Collision' } : { slug: 'my-body-shop', name: 'My Body Shop' };
  const workspace = (await storage.findWorkspace(slug)) ?? (await storage.createWorkspace({ slug, name }));
  // The same way `relay number provision` does it, against the demo phone's fake Telnyx.
  if (phone && !(await storage.sms.numberOfWorkspace(workspace.id))) await phone.provision(storage, workspace.id);
  const { code } = await issuePairingCode(storage, workspace.id);
  await pairDesk({ dataDir: deskDir, relayUrl: relay.url, code, deviceName: 'Front desk' });
  console.log(`First start: a local relay now holds the workspace "${workspace.name}", and this desk is paired with it.`);
  const desk = await Desk.open({ dataDir: deskDir });
  try {
    await desk.syncClient!.whenCaughtUp();
    if (!demo) return;
    console.log('Filling it with a demo shop (BAYLINE_EMPTY=1 skips this)…');
    const { seedDemoShop } = await import('../src-main/demo/demo-shop.js');
    const started = Date.now();
    const seeded = await seedDemoShop(desk);
    console.log(`Demo shop ready: ${seeded.openRos} open and ${seeded.closedRos} closed repair orders (${Math.round((Date.now() - started) / 1000)} s).`);
    // The demo phone shows the past month's texts too, as the customers' phones have them.
    if (phone) {
      const past = await desk.db.selectFrom('messages').select(['id', 'peer_number', 'direction', 'body', 'at']).where('channel', '=', 'sms').where('peer_number', 'is not', null).execute();
      phone.remember(
        past.map((m) => ({ id: m.id, phone: m.peer_number!, shop: DEMO_TEXTING_NUMBER, direction: m.direction === 'out' ? 'in' : 'out', text: m.body ?? '', at: m.at ?? '' })),
      );
    }
    // Let the relay have it all before this first desk closes (the next one would push it anyway).
    const deadline = Date.now() + 60_000;
    while ((await desk.syncClient!.status()).changesWaiting > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await desk.close();
  }
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

async function runBrowserHost(whyNoElectron: string, dataDir: string, relay: RunningRelay): Promise<number> {
  const wantedPort = readPort(process.env.BAYLINE_PORT, DEFAULT_PORT);
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

  // `npm run desk -- api … --data DIR` goes through this desk while it runs.
  const channel = await openCommandChannel(desk);

  console.log('');
  console.log('Electron is not available on this machine, so the desk runs in your browser.');
  console.log(`(${whyNoElectron}.)`);
  console.log(`Bayline desk is running: open ${host.url}`);
  console.log(`Data folder: ${dataDir}; local relay at ${relay.url}. Press Ctrl+C to stop.`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // A second Ctrl+C while shutting down means "now".
  process.once('SIGINT', () => process.exit(130));
  console.log('Stopping Bayline…');
  await channel.close();
  await host.close();
  await desk.close();
  return 0;
}

function readPort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartError(`A port must be a number from 0 to 65535, not "${value}".`);
  }
  return port;
}

class StartError extends Error {}

main().then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    // Errors meant for people (desk already open, bad setting) are shown as they are.
    const settingError = err instanceof MailConfigError || err instanceof DraftingConfigError || err instanceof ProviderApiConfigError;
    if (err instanceof StartError || settingError || (err as { code?: unknown }).code === 'desk-already-open') {
      console.error((err as Error).message);
    } else {
      console.error('Bayline could not start:', err);
    }
    process.exit(1);
  },
);
