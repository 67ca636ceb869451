// Publishing a new desk installer (`npm run relay -- update publish --file Bayline-Setup-X.Y.Z.exe`):
// the file is checked to be a Windows NSIS installer of a newer version, stored in the relay's
// blob store under its SHA-256, and recorded with its SHA-512, so latest.yml (written here from
// the record) tells desks exactly which bytes to accept.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Blobs, BlobStore } from '../blobs/blob-store.js';
import type { RelayStorage } from '../storage/types.js';
import type { DeskRelease } from './release-records.js';

/** Installers are kept in the blob store as if they belonged to this (never real) workspace. */
export const RELEASES_SPACE = '00000000-0000-0000-0000-000000000000';
export const MAX_INSTALLER_BYTES = 1024 * 1024 * 1024;
const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;
const FILE_NAME_VERSION = /^Bayline-Setup-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.exe$/;
/** Every NSIS installer carries this signature in its first header. */
const NSIS_SIGNATURE = Buffer.from('NullsoftInst', 'latin1');

export class ReleaseError extends Error {}

export interface InstallerFacts {
  sha256: string;
  sha512: string;
  sizeBytes: number;
}

/** Reads the file once: its hashes, and whether it is a Windows program made by NSIS. */
export async function checkInstaller(file: string): Promise<InstallerFacts> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ReleaseError(`There is no file ${file}.`);
  }
  if (!stat.isFile() || stat.size === 0) throw new ReleaseError(`${file} is empty or not a file.`);
  if (stat.size > MAX_INSTALLER_BYTES) throw new ReleaseError(`${file} is larger than 1 GiB; that is not a Bayline installer.`);
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let head = Buffer.alloc(0);
  let nsis = false;
  let tail = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    sha512.update(chunk);
    if (head.length < 4096) head = Buffer.concat([head, chunk]).subarray(0, 4096);
    if (!nsis) {
      const window = Buffer.concat([tail, chunk]);
      nsis = window.includes(NSIS_SIGNATURE);
      tail = window.subarray(Math.max(0, window.length - NSIS_SIGNATURE.length));
    }
  }
  const peOffset = head.length >= 0x40 ? head.readUInt32LE(0x3c) : -1;
  const isWindowsProgram = head.toString('latin1', 0, 2) === 'MZ' && peOffset > 0 && peOffset + 4 <= head.length && head.toString('latin1', peOffset, peOffset + 4) === 'PE\0\0';
  if (!isWindowsProgram) throw new ReleaseError(`${path.basename(file)} is not a Windows program (.exe); publish the Bayline-Setup-X.Y.Z.exe that electron-builder made in dist/.`);
  if (!nsis) throw new ReleaseError(`${path.basename(file)} is a Windows program but not an NSIS installer; publish the Bayline-Setup-X.Y.Z.exe that electron-builder made in dist/.`);
  return { sha256: sha256.digest('hex'), sha512: sha512.digest('base64'), sizeBytes: stat.size };
}

/** The version an installer is published as: --version, else the one in its file name; both must agree. */
export function releaseVersion(file: string, given: string | undefined): string {
  const fromName = FILE_NAME_VERSION.exec(path.basename(file))?.[1];
  const version = given?.replace(/^v/, '') ?? fromName;
  if (!version) throw new ReleaseError(`Say which version ${path.basename(file)} is with --version X.Y.Z (its name does not say: electron-builder names it Bayline-Setup-X.Y.Z.exe).`);
  if (!VERSION.test(version)) throw new ReleaseError(`"${version}" is not a version like 1.4.0.`);
  if (fromName && fromName !== version) throw new ReleaseError(`${path.basename(file)} says version ${fromName}, not ${version}.`);
  return version;
}

/** -1, 0 or 1, by semantic-version order (a pre-release comes before its release). */
export function compareVersions(a: string, b: string): number {
  const pa = VERSION.exec(a);
  const pb = VERSION.exec(b);
  if (!pa || !pb) throw new ReleaseError(`Cannot compare "${a}" with "${b}".`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (pa[4] === pb[4]) return 0;
  if (!pa[4]) return 1;
  if (!pb[4]) return -1;
  return pa[4] < pb[4] ? -1 : 1;
}

export async function publishRelease(
  storage: RelayStorage,
  blobs: string | Blobs,
  input: { file: string; version?: string; notes?: string; now?: Date },
): Promise<DeskRelease> {
  const version = releaseVersion(input.file, input.version);
  const latest = await storage.deskReleases.latest();
  if (await storage.deskReleases.byVersion(version)) throw new ReleaseError(`Version ${version} is published already; a changed installer needs a new version number.`);
  if (latest && compareVersions(version, latest.version) <= 0) {
    throw new ReleaseError(`Version ${version} is not newer than ${latest.version}, the one desks have; desks never go back a version.`);
  }
  const facts = await checkInstaller(input.file);
  const store = typeof blobs === 'string' ? new BlobStore(blobs) : blobs;
  // The blob store checks the bytes against their SHA-256 again as they are stored.
  await store.put(RELEASES_SPACE, facts.sha256, fs.createReadStream(input.file), MAX_INSTALLER_BYTES);
  const release: DeskRelease = {
    version,
    fileName: `Bayline-Setup-${version}.exe`,
    ...facts,
    notes: input.notes?.trim() || null,
    publishedAt: (input.now ?? new Date()).toISOString(),
  };
  await storage.deskReleases.add(release);
  return release;
}

/** latest.yml as electron-updater's generic provider reads it. */
export function latestYml(release: DeskRelease): string {
  const lines = [
    `version: ${release.version}`,
    'files:',
    `  - url: ${release.fileName}`,
    `    sha512: ${release.sha512}`,
    `    size: ${release.sizeBytes}`,
    `path: ${release.fileName}`,
    `sha512: ${release.sha512}`,
    `releaseDate: '${release.publishedAt}'`,
  ];
  if (release.notes) lines.push(`releaseNotes: ${JSON.stringify(release.notes)}`);
  return `${lines.join('\n')}\n`;
}
