// What the relay keeps, whichever engine holds it: the operator's records (workspaces, desks,
// pairing codes, blobs) and one synced workspace store per shop.
import type { RoundRecords } from './round-records.js';
import type { JobQueue } from '../jobs/queue.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { AiUsageRecords } from './ai-usage-records.js';
import type { CustomerAccountRecords } from './customer-account-records.js';
import type { GroupRecords } from '../groups/group-records.js';
import type { DeskReleaseRecords } from '../updates/release-records.js';
import type { EsignKeyRecords } from './esign-key-records.js';
import type { EsignRecords } from './esign-records.js';
import type { ProviderRecords } from '../providers/records.js';
import type { AutomationTimerRecords } from '../automations/timer-records.js';
import type { ProviderApiRecords } from '../provider-api/records.js';
import type { MailRecords } from './mail-records.js';
import type { RoNumberBlocks } from './ro-number-blocks.js';
import type { SmsRecords } from './sms-records.js';

export interface WorkspaceRecord {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface DeviceRecord {
  id: string;
  workspaceId: string;
  name: string;
  createdAt: string;
  lastSeenAt: string | null;
  revokedAt: string | null;
}

export interface BlobRecord {
  workspaceId: string;
  hash: string;
  sizeBytes: number;
  mimeType: string;
  createdAt: string;
}

export class RelayStorageError extends Error {
  constructor(
    readonly code: 'slug-taken' | 'not-found' | 'code-invalid' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export interface RelayStorage {
  readonly engine: 'sqlite' | 'postgres';
  /** Texting: numbers, 10DLC, the webhook queue, send claims, opt-outs (relay/storage/sms-records.ts). */
  readonly sms: SmsRecords;
  /** Mail: connected mailboxes with their sealed tokens, sign-in states, cursors (relay/storage/mail-records.ts). */
  readonly mail: MailRecords;
  /** Drafting: tokens and drafts per shop and month (relay/storage/ai-usage-records.ts). */
  readonly aiUsage: AiUsageRecords;
  /** Groups of shops (multi-location, operator migration 13). */
  readonly groups: GroupRecords;
  /** The desk's published Windows installers (operator migration 16, relay/updates/). */
  readonly deskReleases: DeskReleaseRecords;
  /** E-signature: each shop's sealing certificate, its key sealed (relay/storage/esign-key-records.ts). */
  readonly esignKeys: EsignKeyRecords;
  /** E-signature: one-time codes (hashed) and the first request per document version (relay/storage/esign-records.ts). */
  readonly esign: EsignRecords;
  /** Customers' optional accounts: texted codes (hashed), lockouts, sessions (relay/storage/customer-account-records.ts). */
  readonly accounts: CustomerAccountRecords;
  /** Work providers, their people and sessions, and the cross-shop index of their grants (relay/providers/records.ts). */
  readonly providers: ProviderRecords;
  /** Automation rules' durable timers, leased per process (relay/automations/timer-records.ts, operator migration 14). */
  readonly automationTimers: AutomationTimerRecords;
  /** Work providers' API keys, webhook endpoints, event outbox and delivery log (relay/provider-api/records.ts). */
  readonly providerApi: ProviderApiRecords;
  /** RO number blocks handed to desks (relay/storage/ro-number-blocks.ts). */
  readonly roNumbers: RoNumberBlocks;
  /** Which process does a background service's round of every shop (relay/storage/round-records.ts, operator migration 19). */
  readonly rounds: RoundRecords;
  /** Durable work (relay/jobs/queue.ts): pg-boss shared by every process on PostgreSQL, run at once on SQLite. */
  readonly jobs: JobQueue;

  /** Creates the workspace and its synced store, and writes its first settings (name, slug) through it. */
  createWorkspace(input: { slug: string; name: string }): Promise<WorkspaceRecord>;
  listWorkspaces(): Promise<WorkspaceRecord[]>;
  findWorkspace(idOrSlug: string): Promise<WorkspaceRecord | null>;

  /** Stores only the code's SHA-256; the code is single-use and expires at `expiresAt`. */
  createPairingCode(input: { workspaceId: string; codeHash: string; expiresAt: string }): Promise<void>;
  /**
   * Atomically marks the code used and creates the device with the secret's hash.
   * Unknown, expired and used codes all fail with `code-invalid`.
   */
  redeemPairingCode(input: {
    codeHash: string;
    deviceId: string;
    deviceName: string;
    secretHash: string;
    now: string;
  }): Promise<DeviceRecord>;

  /** The device and its secret hash, for authentication. */
  findDevice(deviceId: string): Promise<(DeviceRecord & { secretHash: string }) | null>;
  /** Which of these devices exist and are not revoked (the sync hub's check of every connected desk at once). */
  liveDevices(deviceIds: readonly string[]): Promise<Set<string>>;
  listDevices(workspaceId?: string): Promise<DeviceRecord[]>;
  revokeDevice(deviceId: string, now: string): Promise<DeviceRecord>;
  touchDevice(deviceId: string, now: string): Promise<void>;

  recordBlob(blob: BlobRecord): Promise<void>;
  findBlob(workspaceId: string, hash: string): Promise<BlobRecord | null>;
  /** Every blob hash recorded for the workspace. */
  recordedBlobs(workspaceId: string): Promise<string[]>;
  /** Notes blobs the store lost (operator migration 15); answers those not noted before. Recording the blob again clears it. */
  markBlobsMissing(workspaceId: string, hashes: readonly string[], now: string): Promise<string[]>;
  /** Workspaces with blobs the store lost. */
  workspacesMissingBlobs(): Promise<string[]>;
  /** Blobs the store lost that no desk has uploaded again yet. */
  missingBlobs(workspaceId: string): Promise<string[]>;

  /** The workspace's synced store on this relay (opened once, then cached). */
  workspaceStore(workspaceId: string): Promise<WorkspaceStore>;

  /**
   * Tells every relay process sharing this storage that a workspace's log grew
   * (PostgreSQL: NOTIFY; SQLite: this process only). `listener` runs for notices from any process.
   */
  announceChanges(workspaceId: string): Promise<void>;
  /**
   * `background`: the listener only starts work of its own (sweeps, indexes, sending mail), so it
   * hears the notice once the process has served the I/O already waiting (a page to a desk, the
   * next push), not before. Without it the listener runs at once, inside announceChanges (the
   * sync hub hands pushed changes to sessions that way; the portal drops its caches).
   * `ownOnly` (a background listener): only the announcements this process made (a push it took,
   * its own writes), not other processes' notices. For work to be done once per change whichever
   * process does it (sending, rules, the providers' index): the process that made the change does
   * it, so N relays do it once instead of N times; the service's own periodic round picks up what
   * a process that died before its look left.
   */
  onChangesAnnounced(listener: (workspaceId: string) => void, options?: { background?: boolean; ownOnly?: boolean }): () => void;

  close(): Promise<void>;
}
