// Updates of the installed desk, end to end without Electron: the operator publishes an installer
// on the relay (blob store + operator migration 16), the relay serves latest.yml and the file under
// /updates/win, and electron-updater's own NsisUpdater (run in Node through its AppAdapter, with a
// Node HTTP client instead of Electron's) fetches it on the desk's schedule. A corrupted installer
// fails its SHA-512 and is refused; nothing restarts Bayline unless the person asks.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import electronUpdater from 'electron-updater';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELEASES_SPACE, publishRelease } from '../../relay/updates/desk-release.js';
import { type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import { openSqliteStorage } from '../../relay/storage/sqlite.js';
import { DeskUpdates, type UpdateState, updatesFeedUrl } from './desk-updates.js';
import { fakeNsisInstaller } from './testing/fake-installer.js';
import { NodeUpdaterHttp } from './testing/node-updater-http.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-updates-'));

/** electron-updater's NsisUpdater as the installed desk of `version` would have it, minus Electron. */
function nsisUpdater(version: string) {
  const home = tmp();
  // electron-builder writes app-update.yml into the installed app; the cache folder is named there.
  fs.writeFileSync(path.join(home, 'app-update.yml'), 'provider: generic\nurl: https://relay.invalid/updates/win\nupdaterCacheDirName: bayline-updater\n');
  const quits: string[] = [];
  const updater = new electronUpdater.NsisUpdater(undefined, {
    version,
    name: 'Bayline',
    isPackaged: true,
    appUpdateConfigPath: path.join(home, 'app-update.yml'),
    userDataPath: path.join(home, 'user-data'),
    baseCachePath: path.join(home, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => quits.push('relaunch'),
    quit: () => quits.push('quit'),
    onQuit: () => undefined,
  });
  (updater as unknown as { httpExecutor: unknown }).httpExecutor = new NodeUpdaterHttp();
  updater.logger = null;
  // electron-updater's own seam for its tests: ask for Windows' latest.yml (on Linux it would ask for latest-linux.yml).
  (updater as unknown as { _testOnlyOptions: unknown })._testOnlyOptions = { platform: 'win32' };
  // Running the downloaded installer is Windows' part; the test records that Bayline asked for it.
  const installs: Array<[boolean | undefined, boolean | undefined]> = [];
  updater.quitAndInstall = (isSilent?: boolean, isForceRunAfter?: boolean) => void installs.push([isSilent, isForceRunAfter]);
  return { updater, home, quits, installs, cacheDir: path.join(home, 'cache', 'bayline-updater') };
}

function sha512(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('base64');
}

describe.each(['sqlite', 'postgres'] as const)('desk updates from the relay (%s)', (engine) => {
  let f: RelayFixture;
  let relayUrl: () => Promise<string | null>;
  const work = tmp();

  beforeAll(async () => {
    f = await startRelayFixture(engine, { blobs: true });
    const { desk } = await f.pairNewDesk('Front desk');
    relayUrl = async () => (await desk.syncStatus()).relayUrl;
  }, 120_000);
  afterAll(async () => {
    await f?.cleanup();
  });

  it('serves latest.yml with the installer\'s SHA-512, and the installer itself', async () => {
    expect((await fetch(`${f.relay.url}/updates/win/latest.yml`)).status).toBe(404);
    const bytes = fakeNsisInstaller(300_000);
    const file = path.join(work, 'Bayline-Setup-0.2.0.exe');
    fs.writeFileSync(file, bytes);
    const release = await publishRelease(f.storage, f.blobDir!, { file, notes: 'Faster board' });
    expect(release).toMatchObject({ version: '0.2.0', fileName: 'Bayline-Setup-0.2.0.exe', sizeBytes: bytes.length, sha512: sha512(bytes) });

    const latest = await fetch(`${updatesFeedUrl(f.relay.url)}/latest.yml`);
    expect(latest.status).toBe(200);
    expect(latest.headers.get('cache-control')).toBe('no-cache');
    const yml = load(await latest.text()) as Record<string, any>;
    expect(yml).toMatchObject({ version: '0.2.0', path: 'Bayline-Setup-0.2.0.exe', sha512: sha512(bytes), releaseNotes: 'Faster board' });
    expect(yml.files).toEqual([{ url: 'Bayline-Setup-0.2.0.exe', sha512: sha512(bytes), size: bytes.length }]);

    const installer = await fetch(`${f.relay.url}/updates/win/Bayline-Setup-0.2.0.exe`);
    expect(installer.status).toBe(200);
    expect(Buffer.from(await installer.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(`${f.relay.url}/updates/win/Bayline-Setup-9.9.9.exe`)).status).toBe(404);
    expect((await fetch(`${f.relay.url}/updates/win/..%2Frelay.sqlite`)).status).toBe(404);

    // The same version twice, or an older one, is refused with the reason.
    await expect(publishRelease(f.storage, f.blobDir!, { file })).rejects.toThrow(/0\.2\.0 is published already/);
    const older = path.join(work, 'Bayline-Setup-0.1.5.exe');
    fs.writeFileSync(older, fakeNsisInstaller(1000));
    await expect(publishRelease(f.storage, f.blobDir!, { file: older })).rejects.toThrow(/0\.1\.5 is not newer than 0\.2\.0/);
  });

  it('a desk downloads the new version in the background and installs it only when Bayline closes or the person says so', async () => {
    const { updater, installs, quits, cacheDir } = nsisUpdater('0.1.0');
    const states: UpdateState[] = [];
    const updates = new DeskUpdates(updater, { relayUrl, onState: (s) => states.push(s) });
    expect(updater.autoDownload).toBe(true);
    expect(updater.autoInstallOnAppQuit).toBe(true);

    await updates.checkNow();
    expect(updates.current).toMatchObject({ phase: 'ready', version: '0.2.0', problem: null });
    expect(states.map((s) => s.phase)).toEqual(expect.arrayContaining(['checking', 'downloading', 'ready']));
    // The downloaded installer is the published one, byte for byte.
    const downloaded = fs.readdirSync(path.join(cacheDir, 'pending')).filter((n) => n.endsWith('.exe'));
    expect(downloaded).toHaveLength(1);
    const published = fs.readFileSync(path.join(work, 'Bayline-Setup-0.2.0.exe'));
    expect(fs.readFileSync(path.join(cacheDir, 'pending', downloaded[0]!)).equals(published)).toBe(true);

    // Mid-day: checking again changes nothing and nothing restarts Bayline.
    await updates.checkNow();
    expect(installs).toEqual([]);
    expect(quits).toEqual([]);
    // The person presses "Restart and install now".
    expect(updates.restartNow()).toBe(true);
    expect(installs).toEqual([[true, true]]);
  });

  it('an installer that does not match its SHA-512 is refused, and taken once the relay\'s copy is whole again', async () => {
    const bytes = fakeNsisInstaller(200_000);
    const file = path.join(work, 'Bayline-Setup-0.3.0.exe');
    fs.writeFileSync(file, bytes);
    const release = await publishRelease(f.storage, f.blobDir!, { file });
    // The stored copy is damaged after it was checked (a disk fault, a tampered bucket).
    const stored = path.join(f.blobDir!, RELEASES_SPACE, release.sha256.slice(0, 2), release.sha256);
    const damaged = Buffer.from(bytes);
    damaged[150_000] = damaged[150_000]! ^ 0xff;
    fs.writeFileSync(stored, damaged);

    const { updater, installs, cacheDir } = nsisUpdater('0.2.0');
    const updates = new DeskUpdates(updater, { relayUrl, onState: () => undefined });
    await updates.checkNow();
    expect(updates.current.phase).toBe('failed');
    expect(updates.current.problem).toMatch(/did not match its SHA-512 checksum, so it was refused and nothing was installed/);
    expect(updates.current.refused).toBe(true);
    expect(updates.restartNow()).toBe(false);
    expect(installs).toEqual([]);
    const kept = fs.existsSync(path.join(cacheDir, 'pending')) ? fs.readdirSync(path.join(cacheDir, 'pending')).filter((n) => n.endsWith('.exe')) : [];
    expect(kept).toEqual([]);

    // Lost altogether (the blob store lost the file): the desk is told so, not handed nothing.
    fs.rmSync(stored);
    const lost = await fetch(`${f.relay.url}/updates/win/${release.fileName}`);
    expect(lost.status).toBe(503);
    expect(((await lost.json()) as { message: string }).message).toBe('The installer of version 0.3.0 is missing on this relay; the operator must publish it again.');

    fs.writeFileSync(stored, bytes);
    await updates.checkNow();
    expect(updates.current).toMatchObject({ phase: 'ready', version: '0.3.0', refused: false });
  });
});

describe('checking for updates', () => {
  it('an unpaired desk does not ask anyone', async () => {
    const { updater } = nsisUpdater('0.1.0');
    let asked = 0;
    updater.on('checking-for-update', () => asked++);
    const updates = new DeskUpdates(updater, { relayUrl: async () => null, onState: () => undefined });
    await updates.checkNow();
    expect(updates.current.phase).toBe('off');
    expect(asked).toBe(0);
  });

  it('looks again once a day while the desk runs', async () => {
    const { updater } = nsisUpdater('0.1.0');
    let asked = 0;
    const updates = new DeskUpdates(updater, { relayUrl: async () => { asked++; return null; }, onState: () => undefined, everyMs: 40 });
    updates.start();
    await new Promise((r) => setTimeout(r, 300));
    updates.stop();
    const after = asked;
    expect(after).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 150));
    expect(asked).toBe(after);
  });
});

describe('relay update publish (the operator\'s command)', () => {
  it('checks the file, stores it and lists it; a file that is not an installer is refused with the reason', async () => {
    const data = tmp();
    const good = path.join(data, 'Bayline-Setup-1.0.0.exe');
    fs.writeFileSync(good, fakeNsisInstaller(50_000));
    const notInstaller = path.join(data, 'Bayline-Setup-1.0.1.exe');
    fs.writeFileSync(notInstaller, Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), randomBytes(5000)]));
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'relay/cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

    const published = run('update', 'publish', '--data', data, '--file', good, '--notes', 'First release');
    expect(published.stderr).toBe('');
    expect(published.status).toBe(0);
    expect(published.stdout).toContain('Published Bayline 1.0.0 (Bayline-Setup-1.0.0.exe');
    expect(published.stdout).toContain(`SHA-512 ${sha512(fs.readFileSync(good))}`);

    const refused = run('update', 'publish', '--data', data, '--file', notInstaller);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('Bayline-Setup-1.0.1.exe is not a Windows program (.exe)');

    const listed = run('update', 'list', '--data', data);
    expect(listed.stdout).toMatch(/1\.0\.0\s+Bayline-Setup-1\.0\.0\.exe/);
    expect(listed.stdout).not.toContain('1.0.1');

    const storage = await openSqliteStorage(data);
    try {
      expect((await storage.deskReleases.latest())?.version).toBe('1.0.0');
    } finally {
      await storage.close();
    }
  }, 180_000);
});
