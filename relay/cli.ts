// The relay's command line (`npm run relay -- <command>`): the operator's tool on the relay host
// (workspaces, pairing codes, devices) and the command that runs the relay server.
// Storage: `--db postgres://…` (or BAYLINE_RELAY_DB, which keeps a password out of `ps`) for
// PostgreSQL shared by several relays, else `--data DIR` for SQLite files in a folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { issuePairingCode } from './pairing.js';
import { pairingLinkFor } from '../src-shared/pairing-link.js';
import { isTelnyxApiError, readTelnyxConfig, type TelnyxConfig, TelnyxConfigError, telnyxClient } from './sms/config.js';
import { MailConfigError, readMailConfig } from './email/config.js';
import { DraftingConfigError, readDraftingConfig } from './drafting/config.js';
import { GroupError } from './groups/group-records.js';
import { NumberError, provisionNumber, refreshTenDlc, searchNumbers } from './sms/numbers.js';
import { StorageTooNewError } from './storage/migrations/index.js';
import { PROVIDER_API_COMMANDS, PROVIDER_API_USAGE, ProviderApiCommandError, runProviderApiCommand } from './provider-api/cli-commands.js';
import { ProviderApiConfigError, readProviderApiConfig } from './provider-api/config.js';
import { openPostgresStorage } from './storage/postgres.js';
import { openSqliteStorage } from './storage/sqlite.js';
import { type DeviceRecord, type RelayStorage, RelayStorageError, type WorkspaceRecord } from './storage/types.js';
import { exitWhenFlushed } from '../src-shared/exit-flushed.js';

const DEFAULT_PORT = 4790;

const USAGE = `Bayline relay

Every command needs its storage: --data DIR (SQLite files in a folder)
                               or --db postgres://USER@HOST/DB (or the BAYLINE_RELAY_DB variable)

  npm run relay -- workspace create --slug SLUG --name NAME
                                        add a shop (slug: 2-48 lower-case letters, digits, dashes)
  npm run relay -- workspace list       list the shops
  npm run relay -- pair --workspace SLUG [--public-url URL]
                                        make a one-time code (15 minutes) that pairs one desk
  npm run relay -- device list [--workspace SLUG]
                                        list paired desks
  npm run relay -- device revoke --device ID
                                        stop a desk from syncing (it must be paired again)
  npm run relay -- number search --area-code 512
                                        local numbers Telnyx offers with SMS and MMS
  npm run relay -- number provision --workspace SLUG --number +15125550100
                                        order the number on the messaging profile, wait, give it to the shop
  npm run relay -- number list          every shop's number and its 10DLC state
  npm run relay -- number 10dlc --workspace SLUG
                                        read the shop's 10DLC campaign state from Telnyx again
  npm run relay -- esign certificate --workspace SLUG
                                        the certificate that seals the shop's signed documents
                                        (made now if the shop has none yet)
${PROVIDER_API_USAGE}
  npm run relay -- provider add --slug SLUG --name NAME --email ADMIN_EMAIL --person ADMIN_NAME [--public-url URL]
                                        add a work provider (insurer, fleet) and invite its first administrator
  npm run relay -- provider invite --slug SLUG --email EMAIL --person NAME [--admin] [--public-url URL]
                                        invite another of its people (they set a password and a sign-in code)
  npm run relay -- provider logo --slug SLUG --file LOGO.png
                                        the logo on its pages (PNG, JPEG or WebP, 200 KB at most)
  npm run relay -- provider list        list the work providers and their people
  npm run relay -- provider unlock --email EMAIL
                                        let someone locked after 20 wrong passwords sign in again
  npm run relay -- group create --slug SLUG --name NAME [--primary #RRGGBB] [--accent #RRGGBB] [--logo FILE.png]
                                        a group of shops; its public page is /g/SLUG
  npm run relay -- group add --group SLUG --workspace SLUG
                                        list a shop on the group's page (in the order added)
  npm run relay -- group admin --group SLUG --workspace SLUG --role owner|manager
                                        that shop's owners or managers see the group's reports
  npm run relay -- group person --group SLUG --email ADDRESS --name NAME
                                        someone who signs in at /g/SLUG/admin (by a mailed link)
                                        to see every location's reports side by side
  npm run relay -- group unperson --group SLUG --email ADDRESS
                                        no longer; their sessions end at once
  npm run relay -- group list           every group, its locations and admins
  npm run relay -- update publish --file Bayline-Setup-X.Y.Z.exe [--version X.Y.Z] [--notes TEXT] [--blobs DIR]
                                        offer a new desk installer to every installed desk (/updates/win)
  npm run relay -- update list          the published desk installers, newest first
  npm run relay -- serve [--port N] [--host ADDRESS] [--public-url URL] [--blobs DIR] [--trust-proxy]
                  [--s3-bucket NAME] [--s3-endpoint URL] [--s3-region R] [--s3-prefix P] [--s3-sse AES256|aws:kms]
                                        run the relay (default 127.0.0.1:${DEFAULT_PORT})

Photos and PDFs: in --blobs DIR (default <data>/blobs), or in an S3-compatible bucket named by
--s3-bucket or BAYLINE_S3_BUCKET (endpoint, region, key prefix and server-side encryption by the
flags above or BAYLINE_S3_ENDPOINT, BAYLINE_S3_REGION, BAYLINE_S3_PREFIX, BAYLINE_S3_SSE; the
credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the AWS SDK's other sources).
With a bucket, --blobs (default: a folder in the system's temp folder) holds only scratch files.

Texting (Telnyx): TELNYX_API_KEY, TELNYX_PUBLIC_KEY, TELNYX_BASE_URL (optional) and
TELNYX_MESSAGING_PROFILE_ID from the environment, or the same keys in a JSON file given with
--telnyx-config FILE. Without an API key the relay runs without texting.

Email: BAYLINE_MAIL_TOKEN_KEY (64 hex characters: openssl rand -hex 32) or
BAYLINE_MAIL_TOKEN_KEY_FILE seals mailbox secrets; Gmail adds GOOGLE_CLIENT_ID and
GOOGLE_CLIENT_SECRET (Google sends the browser back to <public URL>/mail/gmail/callback); Outlook
(Microsoft 365) adds MICROSOFT_CLIENT_ID, MICROSOFT_CLIENT_SECRET and MICROSOFT_TENANT (default
common; Microsoft sends the browser back to <public URL>/mail/outlook/callback and new-mail
notifications to <public URL>/mail/outlook/notify, which must be https). All from the environment,
or the same keys in a JSON file given with --mail-config FILE. Without a key and an app the relay
runs without email.
Gmail push (else mailboxes are polled every BAYLINE_MAIL_POLL_MS, 30 s by default):
GMAIL_PUBSUB_TOPIC (projects/<project>/topics/<topic>) and GMAIL_PUSH_SERVICE_ACCOUNT (the account
the push subscription to <public URL>/mail/gmail/push signs as); optional GMAIL_PUSH_AUDIENCE (the
push URL by default), GMAIL_PUSH_LABELS (INBOX,SENT by default; ALL for every change) and
GMAIL_PUSH_CERTS_URL (Google's signing certificates, for a test Google).

E-signature: BAYLINE_ESIGN_KEY (or _FILE; 64 hex characters, else BAYLINE_MAIL_TOKEN_KEY is used)
encrypts each shop's sealing certificate and key in the relay's database; or BAYLINE_ESIGN_P12
(a .p12/.pfx file) with BAYLINE_ESIGN_P12_PASSPHRASE (or _FILE) seals every shop's documents with
the operator's own certificate.

Work providers: invitations go by mail through BAYLINE_PROVIDER_SMTP_URL (smtp://user:pass@host:587)
from BAYLINE_PROVIDER_MAIL_FROM; without it the invitation link is printed (and logged by serve).

Drafts (a model writes replies for a person to check and send): BAYLINE_AI_BASE_URL (any
OpenAI-compatible server: https://api.openai.com/v1, an Azure OpenAI …/openai/v1 address, Ollama's
http://127.0.0.1:11434/v1, vLLM, llama.cpp) and BAYLINE_AI_MODEL; BAYLINE_AI_API_KEY (not needed by
a server you run yourself); optional BAYLINE_AI_MONTHLY_TOKENS (per shop, 2000000 by default; 0 for
no limit), BAYLINE_AI_TIMEOUT_MS (30000), BAYLINE_AI_FIRST_TOKEN_MS (10000), BAYLINE_AI_MAX_RETRIES
(2) and BAYLINE_AI_PROVIDER (a name for Settings and the audit trail). From the environment, or the
same keys in a JSON file given with --drafting-config FILE. Without them, desks draft from templates.
`;

class UsageError extends Error {}

/** A connection URL without its password, for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the given database';
  }
}

async function openStorage(values: { db?: string; data?: string }): Promise<RelayStorage> {
  const db = values.db ?? process.env.BAYLINE_RELAY_DB;
  if (db) {
    if (!/^postgres(ql)?:\/\//.test(db)) throw new UsageError(`--db takes a PostgreSQL URL (postgres://…), not "${safeUrl(db)}".`);
    try {
      return await openPostgresStorage(db);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01' || code === '28000') {
        throw new RelayStorageError('invalid', `Cannot use the PostgreSQL database at ${safeUrl(db)}: ${(err as Error).message}`);
      }
      throw err;
    }
  }
  if (values.data) return openSqliteStorage(path.resolve(values.data));
  throw new UsageError('Say where the relay keeps its data: --data DIR (SQLite) or --db postgres://… (PostgreSQL).');
}

async function requireWorkspace(storage: RelayStorage, slug: string | undefined): Promise<WorkspaceRecord> {
  if (!slug) throw new UsageError('Say which workspace with --workspace SLUG.');
  const workspace = await storage.findWorkspace(slug);
  if (!workspace) throw new RelayStorageError('not-found', `There is no workspace "${slug}". See: npm run relay -- workspace list`);
  return workspace;
}

/** Lines of columns padded to the widest cell, for a terminal. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const when = (isoTime: string) => isoTime.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

function deviceStatus(d: DeviceRecord): string {
  return d.revokedAt ? `revoked ${when(d.revokedAt)}` : 'active';
}

/** BAYLINE_BLOB_REASK_SECONDS: how often desks are asked for lost blobs another relay process noticed (default 60). */
function blobReaskMs(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.BAYLINE_BLOB_REASK_SECONDS?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86_400) {
    throw new UsageError(`BAYLINE_BLOB_REASK_SECONDS is "${raw}"; give a number of seconds from 1 to 86400.`);
  }
  return seconds * 1000;
}

/** The bucket `serve` and `update publish` both use: BAYLINE_S3_* from the environment, each overridden by its --s3-* flag. */
async function bucketSettings(values: Partial<Record<'s3-bucket' | 's3-endpoint' | 's3-region' | 's3-prefix' | 's3-sse', string>>) {
  const { readS3Config } = await import('./blobs/s3-blob-store.js');
  const flag = (name: keyof typeof values, env: string) => (values[name] !== undefined ? { [env]: values[name] } : {});
  return readS3Config({
    ...process.env,
    ...flag('s3-bucket', 'BAYLINE_S3_BUCKET'),
    ...flag('s3-endpoint', 'BAYLINE_S3_ENDPOINT'),
    ...flag('s3-region', 'BAYLINE_S3_REGION'),
    ...flag('s3-prefix', 'BAYLINE_S3_PREFIX'),
    ...flag('s3-sse', 'BAYLINE_S3_SSE'),
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      db: { type: 'string' },
      blobs: { type: 'string' },
      's3-bucket': { type: 'string' },
      's3-endpoint': { type: 'string' },
      's3-region': { type: 'string' },
      's3-prefix': { type: 'string' },
      's3-sse': { type: 'string' },
      slug: { type: 'string' },
      name: { type: 'string' },
      workspace: { type: 'string' },
      device: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'telnyx-config': { type: 'string' },
      'mail-config': { type: 'string' },
      'drafting-config': { type: 'string' },
      'area-code': { type: 'string' },
      number: { type: 'string' },
      provider: { type: 'string' },
      scopes: { type: 'string' },
      key: { type: 'string' },
      url: { type: 'string' },
      endpoint: { type: 'string' },
      email: { type: 'string' },
      person: { type: 'string' },
      admin: { type: 'boolean' },
      file: { type: 'string' },
      group: { type: 'string' },
      role: { type: 'string' },
      primary: { type: 'string' },
      accent: { type: 'string' },
      logo: { type: 'string' },
      version: { type: 'string' },
      notes: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [command, sub, ...extra] = positionals;
  if (values.help || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === undefined) throw new UsageError('Which command?');
  if (extra.length > 0) throw new UsageError(`Unexpected "${extra.join(' ')}".`);
  const wantsSub = command === 'workspace' || command === 'device' || command === 'number' || command === 'esign' || command === 'provider' || command === 'api-key' || command === 'webhook' || command === 'group' || command === 'update';
  if (!wantsSub && sub !== undefined) throw new UsageError(`Unexpected "${sub}".`);
  const known = ['workspace create', 'workspace list', 'pair', 'device list', 'device revoke', 'number search', 'number provision', 'number list', 'number 10dlc', 'esign certificate', 'provider add', 'provider invite', 'provider logo', 'provider list', 'provider unlock', 'group create', 'group add', 'group admin', 'group person', 'group unperson', 'group list', 'update publish', 'update list', 'serve', ...PROVIDER_API_COMMANDS];
  const full = wantsSub ? `${command} ${sub ?? ''}`.trim() : command;
  if (!known.includes(full)) throw new UsageError(`Unknown command "${full}".`);

  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicUrl)) {
    throw new UsageError(`--public-url takes the address desks reach this relay at, like https://relay.example.com, not "${publicUrl}".`);
  }
  let port = DEFAULT_PORT;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number, not "${values.port}".`);
  }
  if (full === 'workspace create' && (!values.slug || !values.name)) {
    throw new UsageError('A new workspace needs --slug SLUG and --name NAME.');
  }
  if (full === 'device revoke' && !values.device) throw new UsageError('Say which device with --device ID (see: device list).');

  const telnyx = readTelnyxConfig(process.env, values['telnyx-config']);
  const mailConfig = full === 'serve' ? readMailConfig(process.env, values['mail-config']) : null;
  const draftingConfig = full === 'serve' ? readDraftingConfig(process.env, values['drafting-config']) : null;
  const needTelnyx = (): TelnyxConfig => {
    if (!telnyx) throw new UsageError('Texting is not configured: set TELNYX_API_KEY (and TELNYX_MESSAGING_PROFILE_ID), or give --telnyx-config FILE.');
    return telnyx;
  };
  if (full === 'number search') {
    const area = values['area-code'];
    if (!area) throw new UsageError('Say which area code with --area-code 512.');
    const found = await searchNumbers(await telnyxClient(needTelnyx()), area);
    if (found.length === 0) {
      console.log(`Telnyx offers no local number with SMS and MMS in area code ${area} right now. Try a neighbouring one.`);
      return 0;
    }
    console.log(table([['NUMBER', 'FEATURES', 'WHERE'], ...found.map((n) => [n.phoneNumber, n.features.join(','), n.region])]));
    console.log(`Give one to a shop: npm run relay -- number provision --workspace SLUG --number ${found[0]!.phoneNumber}`);
    return 0;
  }
  if (full === 'number provision' && !values.number) throw new UsageError('Say which number with --number +1XXXXXXXXXX (see: number search).');

  const storage = await openStorage(values);
  try {
    switch (full) {
      case 'workspace create': {
        const ws = await storage.createWorkspace({ slug: values.slug!, name: values.name! });
        console.log(`Created workspace ${ws.name} (${ws.slug}), id ${ws.id}.`);
        console.log(`Pair its first desk: npm run relay -- pair --workspace ${ws.slug}`);
        return 0;
      }

      case 'group create': {
        if (!values.slug || !values.name) throw new UsageError('A new group needs --slug SLUG and --name NAME.');
        let logo: { type: string; bytes: Buffer } | null = null;
        if (values.logo) {
          const bytes = fs.readFileSync(values.logo);
          const type = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) ? 'image/png' : bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : null;
          if (!type) throw new UsageError(`--logo takes a PNG or JPEG file; ${values.logo} is neither.`);
          logo = { type, bytes };
        }
        const group = await storage.groups.create({ slug: values.slug, name: values.name, colorPrimary: values.primary ?? null, colorAccent: values.accent ?? null, logo });
        console.log(`Created group ${group.name} (${group.slug}). Its page: <public URL>/g/${group.slug}`);
        console.log(`Add a shop: npm run relay -- group add --group ${group.slug} --workspace SLUG`);
        return 0;
      }

      case 'group person':
      case 'group unperson': {
        if (!values.group) throw new UsageError('Say which group with --group SLUG (see: group list).');
        if (!values.email) throw new UsageError('Say whose address with --email ADDRESS.');
        if (full === 'group unperson') {
          const removed = await storage.groups.removeAdminPerson(values.group, values.email);
          console.log(removed ? `${values.email} is no longer an admin of ${values.group}; their sessions are ended.` : `${values.email} was not an admin of ${values.group}.`);
          return 0;
        }
        if (!values.name) throw new UsageError('Give the person\'s name with --name "Pat Lee".');
        const person = await storage.groups.addAdminPerson(values.group, values.email, values.name);
        console.log(`${person.name} <${person.email}> signs in to the reports of ${values.group} at <public URL>/g/${values.group}/admin (a link is mailed each time).`);
        return 0;
      }

      case 'group add':
      case 'group admin': {
        if (!values.group) throw new UsageError('Say which group with --group SLUG (see: group list).');
        const ws = await requireWorkspace(storage, values.workspace);
        if (full === 'group add') {
          await storage.groups.addMember(values.group, ws.id);
          console.log(`${ws.name} (${ws.slug}) is a location of ${values.group}.`);
        } else {
          if (!values.role) throw new UsageError('Say which role with --role owner or --role manager.');
          await storage.groups.addAdmin(values.group, ws.id, values.role);
          console.log(`The ${values.role}s of ${ws.name} (${ws.slug}) see the reports of ${values.group}.`);
        }
        return 0;
      }

      case 'group list': {
        const groups = await storage.groups.list();
        if (groups.length === 0) {
          console.log('No groups yet. Make one: npm run relay -- group create --slug SLUG --name NAME');
          return 0;
        }
        const workspaces = new Map((await storage.listWorkspaces()).map((w) => [w.id, w.slug]));
        console.log(table([['GROUP', 'NAME', 'LOCATIONS', 'ADMINS'], ...groups.map((g) => [g.slug, g.name, g.members.map((id) => workspaces.get(id) ?? id).join(', ') || '—', g.admins.map((a) => `${workspaces.get(a.workspaceId) ?? a.workspaceId}:${a.role}`).join(', ') || '—'])]));
        return 0;
      }

      case 'workspace list': {
        const all = await storage.listWorkspaces();
        if (all.length === 0) {
          console.log('No workspaces yet. Add one: npm run relay -- workspace create --slug SLUG --name NAME');
          return 0;
        }
        console.log(table([['SLUG', 'NAME', 'ID', 'CREATED'], ...all.map((w) => [w.slug, w.name, w.id, when(w.createdAt)])]));
        return 0;
      }

      case 'pair': {
        const ws = await requireWorkspace(storage, values.workspace);
        const { code, expiresAt } = await issuePairingCode(storage, ws.id);
        const relayUrl = publicUrl ?? process.env.BAYLINE_RELAY_URL ?? 'URL';
        console.log(`Pairing code for ${ws.name} (${ws.slug}): ${code}`);
        console.log(`It pairs one desk and expires at ${when(expiresAt)} (in 15 minutes).`);
        if (relayUrl !== 'URL') {
          console.log('Send the shop this page; on the PC with Bayline installed its button opens the pairing screen filled in:');
          console.log(`  ${relayUrl.replace(/\/+$/, '')}/pair/open?code=${code}`);
          console.log(`  (the link itself: ${pairingLinkFor(relayUrl, code)})`);
        }
        console.log('On a desk run from the command line:');
        console.log(`  npm run desk -- pair --data DIR --relay ${relayUrl} --code ${code}`);
        if (relayUrl === 'URL') console.log("(URL is the address desks reach this relay at, given with --public-url; DIR is the desk's data folder.)");
        return 0;
      }

      case 'device list': {
        const ws = values.workspace ? await requireWorkspace(storage, values.workspace) : null;
        const devices = await storage.listDevices(ws?.id);
        if (devices.length === 0) {
          console.log(ws ? `No desks are paired with ${ws.slug}.` : 'No desks are paired.');
          return 0;
        }
        const slugs = new Map((await storage.listWorkspaces()).map((w) => [w.id, w.slug]));
        console.log(
          table([
            ['DEVICE', 'WORKSPACE', 'NAME', 'PAIRED', 'LAST SEEN', 'STATUS'],
            ...devices.map((d) => [
              d.id,
              slugs.get(d.workspaceId) ?? d.workspaceId,
              d.name,
              when(d.createdAt),
              d.lastSeenAt ? when(d.lastSeenAt) : 'never',
              deviceStatus(d),
            ]),
          ]),
        );
        return 0;
      }

      case 'device revoke': {
        const device = await storage.revokeDevice(values.device!, new Date().toISOString());
        const ws = await storage.findWorkspace(device.workspaceId);
        console.log(`Revoked ${device.name} (${device.id}) of ${ws?.slug ?? device.workspaceId}: it can no longer sync.`);
        console.log('To let that PC back in, pair it again with a new code.');
        return 0;
      }

      case 'number provision': {
        const ws = await requireWorkspace(storage, values.workspace);
        const config = needTelnyx();
        if (!config.messagingProfileId) console.warn('No TELNYX_MESSAGING_PROFILE_ID: the number is ordered without a messaging profile and cannot text until one is attached.');
        console.log(`Ordering ${values.number} for ${ws.name} (${ws.slug})…`);
        const { orderId, tenDlc } = await provisionNumber(await telnyxClient(config), storage, {
          workspaceId: ws.id,
          phoneNumber: values.number!,
          messagingProfileId: config.messagingProfileId,
        });
        console.log(`Done (order ${orderId}). ${values.number} now texts for ${ws.slug}.`);
        console.log(`10DLC: ${tenDlc}.${tenDlc === 'active' ? '' : ' US carriers may block texts until the number is on an active 10DLC campaign; the desks show a warning meanwhile.'}`);
        return 0;
      }

      case 'number list': {
        const numbers = await storage.sms.listNumbers();
        if (numbers.length === 0) {
          console.log('No texting numbers yet. Find one: npm run relay -- number search --area-code 512');
          return 0;
        }
        console.log(
          table([
            ['NUMBER', 'WORKSPACE', '10DLC', 'CAMPAIGN', 'SINCE'],
            ...numbers.map((n) => [n.phoneNumber, n.workspaceSlug, n.tenDlcStatus ?? 'unknown', n.campaignId ?? '-', when(n.createdAt)]),
          ]),
        );
        return 0;
      }

      case 'number 10dlc': {
        const ws = await requireWorkspace(storage, values.workspace);
        const state = await refreshTenDlc(await telnyxClient(needTelnyx()), storage, ws.id);
        console.log(`10DLC for ${ws.slug}: ${state}.`);
        return 0;
      }

      case 'provider add':
      case 'provider invite':
      case 'provider logo':
      case 'provider list':
      case 'provider unlock': {
        const { providerCommand } = await import('./providers/cli.js');
        return await providerCommand(storage, full, { ...values, publicUrl: publicUrl ?? `http://127.0.0.1:${port}` });
      }

      case 'esign certificate': {
        // Loaded only here (node-forge, pdf-lib), like the server below.
        const ws = await requireWorkspace(storage, values.workspace);
        const { readSealConfig, SealConfigError } = await import('./esign/config.js');
        const { PdfSealer } = await import('./esign/seal.js');
        const { SealingCertificateError } = await import('./esign/certificates.js');
        let identity;
        const existed = (await storage.esignKeys.find(ws.id)) !== null;
        try {
          const config = readSealConfig(process.env);
          if (!config) throw new UsageError('Sealing is not configured: set BAYLINE_ESIGN_KEY (openssl rand -hex 32) or BAYLINE_ESIGN_P12.');
          identity = await new PdfSealer({ storage, config }).certificates.forWorkspace(ws.id, ws.name);
        } catch (err) {
          if (err instanceof SealConfigError || err instanceof SealingCertificateError) {
            console.error(err.message);
            return 1;
          }
          throw err;
        }
        const origin = identity.source === 'operator' ? 'the operator\'s certificate (BAYLINE_ESIGN_P12), for every shop' : existed ? 'the shop\'s own certificate' : 'the shop\'s own certificate, made now';
        console.log(`${ws.name} (${ws.slug}) seals signed documents with ${origin}:`);
        console.log(`  subject      ${identity.subject}`);
        console.log(`  SHA-256      ${identity.fingerprintSha256}`);
        console.log(`  valid until  ${identity.notAfter.slice(0, 10)}`);
        console.log(identity.certificatePem.trimEnd());
        return 0;
      }

      case 'api-key create':
      case 'api-key list':
      case 'api-key revoke':
      case 'webhook add':
      case 'webhook list':
      case 'webhook remove':
      case 'webhook deliveries':
        return await runProviderApiCommand(storage, full, values);

      case 'update publish':
      case 'update list': {
        const { publishRelease, ReleaseError } = await import('./updates/desk-release.js');
        if (full === 'update list') {
          const releases = await storage.deskReleases.list();
          if (releases.length === 0) {
            console.log('No desk installer published yet. Publish one: npm run relay -- update publish --file dist/Bayline-Setup-X.Y.Z.exe');
            return 0;
          }
          console.log(table([['VERSION', 'FILE', 'SIZE', 'PUBLISHED'], ...releases.map((r) => [r.version, r.fileName, `${(r.sizeBytes / (1024 * 1024)).toFixed(1)} MiB`, when(r.publishedAt)])]));
          return 0;
        }
        if (!values.file) throw new UsageError('Say which installer with --file dist/Bayline-Setup-X.Y.Z.exe.');
        // The same store `serve` uses: the bucket when one is configured (BAYLINE_S3_* or --s3-*), else the folder.
        const { S3BlobStore } = await import('./blobs/s3-blob-store.js');
        const s3Config = await bucketSettings(values);
        const blobs = values.blobs ?? (values.data ? path.join(path.resolve(values.data), 'blobs') : s3Config ? path.join(os.tmpdir(), 'bayline-relay-publish') : undefined);
        if (!blobs) throw new UsageError('Say which blob folder the relays serve from with --blobs DIR (the one given to serve), or the bucket with --s3-bucket.');
        const target = s3Config ? new S3BlobStore({ ...s3Config, scratchDir: path.resolve(blobs) }) : path.resolve(blobs);
        try {
          const release = await publishRelease(storage, target, { file: path.resolve(values.file), version: values.version, notes: values.notes });
          console.log(`Published Bayline ${release.version} (${release.fileName}, ${(release.sizeBytes / (1024 * 1024)).toFixed(1)} MiB).`);
          console.log(`SHA-512 ${release.sha512}`);
          console.log('Installed desks find it at <relay>/updates/win/latest.yml within a day (at once when they start), download it in the background and install it when Bayline is next closed.');
        } catch (err) {
          if (err instanceof ReleaseError) {
            console.error(err.message);
            return 1;
          }
          throw err;
        }
        return 0;
      }

      case 'serve': {
        // ---- serve: runs the relay server (relay/server.ts); loaded only here, so the admin
        // commands above start without loading the HTTP stack.
        const { startRelay } = await import('./server.js');
        const { readSealConfig } = await import('./esign/config.js');
        const { PdfSealer } = await import('./esign/seal.js');
        const sealConfig = readSealConfig(process.env);
        // Photos and PDFs live on disk: beside the SQLite data, or in --blobs (a folder every relay
        // process sharing one PostgreSQL database must share too).
        // Or in an S3-compatible bucket shared by every relay process, on any machine.
        const { S3BlobStore } = await import('./blobs/s3-blob-store.js');
        const s3Config = await bucketSettings(values);
        const blobs =
          values.blobs ?? (values.data ? path.join(path.resolve(values.data), 'blobs') : s3Config ? path.join(os.tmpdir(), `bayline-relay-${port}`) : undefined);
        if (!blobs) console.warn('No --blobs folder and no bucket given: photos and documents cannot be moved through this relay.');
        const blobStore = s3Config && blobs ? new S3BlobStore({ ...s3Config, scratchDir: path.resolve(blobs) }) : undefined;
        if (s3Config) console.log(`Photos and documents: bucket ${s3Config.bucket}${s3Config.endpoint ? ` at ${s3Config.endpoint}` : ''}${s3Config.serverSideEncryption ? `, encrypted at rest (${s3Config.serverSideEncryption})` : ''}.`);
        const relay = await startRelay({
          blobStore,
          blobRefill: { reaskMs: blobReaskMs(process.env) },
          storage,
          port,
          host: values.host,
          publicUrl,
          blobDir: blobs ? path.resolve(blobs) : undefined,
          trustProxy: values['trust-proxy'] ?? false,
          telnyx,
          mailConfig,
          draftingConfig,
          esign: { sealer: sealConfig ? new PdfSealer({ storage, config: sealConfig }) : null },
          providerApi: readProviderApiConfig(process.env),
          providerMail: (await import('./providers/auth.js')).readProviderMailConfig(process.env),
        });
        if (!sealConfig) console.warn('E-signature sealing is off: no BAYLINE_ESIGN_KEY (or BAYLINE_MAIL_TOKEN_KEY) and no BAYLINE_ESIGN_P12; signatures are kept and sealed once a key is set.');
        if (!telnyx) console.warn('Texting is off: no TELNYX_API_KEY.');
        if (!mailConfig) console.warn('Email is off: no BAYLINE_MAIL_TOKEN_KEY and no provider app (GOOGLE_CLIENT_ID, MICROSOFT_CLIENT_ID).');
        else console.log(`Email: ${relay.mail?.providerList().map((p) => p.name).join(', ') || 'no provider app yet'}.`);
        const gmailPush = mailConfig?.google?.push;
        if (gmailPush) console.log(`Gmail push: mailboxes watched on ${gmailPush.topic}; the push subscription delivers to ${relay.url}/mail/gmail/push signed as ${gmailPush.serviceAccount}.`);
        else if (mailConfig?.google) console.log('Gmail push is off (no GMAIL_PUBSUB_TOPIC): Gmail mailboxes are polled.');
        if (!draftingConfig) console.warn('Drafting with a model is off: no BAYLINE_AI_BASE_URL and BAYLINE_AI_MODEL (desks draft from templates).');
        else console.log(`Drafts: ${draftingConfig.model} at ${draftingConfig.provider}, ${draftingConfig.monthlyTokens === null ? 'no monthly limit' : `${draftingConfig.monthlyTokens.toLocaleString('en-US')} tokens per shop a month`}.`);
        console.log(`Bayline relay is running at ${relay.url} (storage: ${storage.engine}). Stop it with Ctrl+C.`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await relay.close();
        return 0;
      }
    }
    throw new UsageError(`Unknown command "${full}".`);
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    const code = (err as { code?: unknown }).code;
    if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (isTelnyxApiError(err)) {
      // Telnyx's own words; never the request (its headers carry the key).
      const first = (err.error as { errors?: Array<{ title?: string; detail?: string }> } | undefined)?.errors?.[0];
      console.error(`Telnyx refused the request (${err.status ?? 'no answer'}): ${first?.detail ?? first?.title ?? err.message}`);
      process.exit(1);
    }
    if (err instanceof RelayStorageError || err instanceof StorageTooNewError || err instanceof NumberError || err instanceof TelnyxConfigError || err instanceof MailConfigError || err instanceof DraftingConfigError || err instanceof ProviderApiCommandError || err instanceof ProviderApiConfigError || err instanceof GroupError || (err instanceof Error && err.name === 'S3ConfigError')) {
      console.error(err.message);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
