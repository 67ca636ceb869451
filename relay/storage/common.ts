// What both storage engines share: the operator records over Kysely (the same queries run on
// SQLite and PostgreSQL, so the engines cannot disagree about what a pairing code or a revoked
// device means), input checks, workspace creation, the cache of open workspace stores, and the
// change-announcement listeners.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { type BlobRecord, type DeviceRecord, RelayStorageError, type WorkspaceRecord } from './types.js';

export interface OperatorDatabase {
  workspaces: { id: string; slug: string; name: string; created_at: string };
  devices: {
    id: string;
    workspace_id: string;
    name: string;
    secret_hash: string;
    created_at: string;
    last_seen_at: string | null;
    revoked_at: string | null;
  };
  pairing_codes: {
    code_hash: string;
    workspace_id: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
    device_id: string | null;
  };
  blobs: { workspace_id: string; hash: string; size_bytes: number; mime_type: string; created_at: string; missing_since: string | null };
}

/** The id of the one workspace_settings row (the desk uses the same, in its workspace handlers). */
export const SETTINGS_ID = 'workspace';

/**
 * A fresh node id for each workspace store a relay process opens. Relay processes share one
 * PostgreSQL database, so a node id kept in it would be shared by all of them and their clocks
 * and audit chains (numbered per node) would collide; a random one per opening cannot.
 */
export function relayNodeId(): string {
  return randomBytes(8).toString('hex');
}

// Lower-case letters, digits and inner dashes: it appears in portal addresses (/p/<slug>).
const SLUG = /^[a-z0-9][a-z0-9-]{0,46}[a-z0-9]$/;
const WORKSPACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BLOB_HASH = /^[0-9a-f]{64}$/;

export function checkSlug(slug: string): string {
  if (!SLUG.test(slug)) {
    throw new RelayStorageError(
      'invalid',
      `"${slug}" cannot be a workspace slug: use 2 to 48 lower-case letters, digits and dashes, starting and ending with a letter or digit.`,
    );
  }
  return slug;
}

export function checkName(name: string, what: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw new RelayStorageError('invalid', `The ${what} must be 1 to 100 characters.`);
  return trimmed;
}

/** Workspace ids become file and schema names, so only our own UUIDs are accepted. */
export function isWorkspaceId(id: string): boolean {
  return WORKSPACE_ID.test(id);
}

/** Times are stored as `toISOString()` text so that text order is time order on both engines. */
export function iso(value: string, what: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RelayStorageError('invalid', `${what} is not a time: ${value}`);
  return new Date(time).toISOString();
}

type Violation = 'unique' | 'foreign-key' | null;

export class OperatorRecords {
  constructor(
    private readonly db: Kysely<OperatorDatabase>,
    /** How this engine reports constraint violations. */
    private readonly violation: (err: unknown) => Violation,
  ) {}

  async insertWorkspace(record: WorkspaceRecord): Promise<void> {
    try {
      await this.db
        .insertInto('workspaces')
        .values({ id: record.id, slug: record.slug, name: record.name, created_at: record.createdAt })
        .execute();
    } catch (err) {
      if (this.violation(err) === 'unique') throw slugTaken(record.slug);
      throw err;
    }
  }

  async listWorkspaces(): Promise<WorkspaceRecord[]> {
    const rows = await this.db.selectFrom('workspaces').selectAll().orderBy('created_at').orderBy('slug').execute();
    return rows.map(toWorkspace);
  }

  /** By id first, then by slug (a slug may look like an id; the id wins). */
  async findWorkspace(idOrSlug: string): Promise<WorkspaceRecord | null> {
    const rows = await this.db
      .selectFrom('workspaces')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
      .execute();
    const row = rows.find((r) => r.id === idOrSlug) ?? rows[0];
    return row ? toWorkspace(row) : null;
  }

  async findWorkspaceBySlug(slug: string): Promise<WorkspaceRecord | null> {
    const row = await this.db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row ? toWorkspace(row) : null;
  }

  async createPairingCode(input: { workspaceId: string; codeHash: string; expiresAt: string }): Promise<void> {
    const now = new Date().toISOString();
    const expiresAt = iso(input.expiresAt, 'The expiry');
    if (!BLOB_HASH.test(input.codeHash)) throw new RelayStorageError('invalid', 'A pairing code is stored as its SHA-256 (hex).');
    try {
      await this.db.transaction().execute(async (trx) => {
        // Expired codes are of no use to anyone; removing them keeps a new code from colliding with an old one.
        await trx.deleteFrom('pairing_codes').where('expires_at', '<=', now).execute();
        await trx
          .insertInto('pairing_codes')
          .values({ code_hash: input.codeHash, workspace_id: input.workspaceId, created_at: now, expires_at: expiresAt, used_at: null, device_id: null })
          .execute();
      });
    } catch (err) {
      const v = this.violation(err);
      if (v === 'foreign-key') throw new RelayStorageError('not-found', `There is no workspace ${input.workspaceId}.`);
      if (v === 'unique') throw new RelayStorageError('invalid', 'That pairing code is already in use; make another.');
      throw err;
    }
  }

  async redeemPairingCode(input: {
    codeHash: string;
    deviceId: string;
    deviceName: string;
    secretHash: string;
    now: string;
  }): Promise<DeviceRecord> {
    const now = iso(input.now, 'The time');
    const name = checkName(input.deviceName, 'device name');
    return this.db.transaction().execute(async (trx) => {
      // One statement decides: a second redeemer of the same code (another request, another
      // relay process) finds used_at already set and gets nothing back.
      const code = await trx
        .updateTable('pairing_codes')
        .set({ used_at: now, device_id: input.deviceId })
        .where('code_hash', '=', input.codeHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('workspace_id')
        .executeTakeFirst();
      if (!code) {
        throw new RelayStorageError('code-invalid', 'That pairing code is unknown, already used or expired. Ask for a new one.');
      }
      const row = {
        id: input.deviceId,
        workspace_id: code.workspace_id,
        name,
        secret_hash: input.secretHash,
        created_at: now,
        last_seen_at: null,
        revoked_at: null,
      };
      await trx.insertInto('devices').values(row).execute();
      return toDevice(row);
    });
  }

  async findDevice(deviceId: string): Promise<(DeviceRecord & { secretHash: string }) | null> {
    const row = await this.db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirst();
    return row ? { ...toDevice(row), secretHash: row.secret_hash } : null;
  }

  /** Which of these devices exist and are not revoked (one query per 500 ids). */
  async liveDevices(deviceIds: readonly string[]): Promise<Set<string>> {
    const live = new Set<string>();
    const ids = [...new Set(deviceIds)];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('devices').select('id').where('id', 'in', ids.slice(i, i + 500)).where('revoked_at', 'is', null).execute();
      for (const r of rows) live.add(r.id);
    }
    return live;
  }

  async listDevices(workspaceId?: string): Promise<DeviceRecord[]> {
    let q = this.db.selectFrom('devices').selectAll().orderBy('created_at').orderBy('id');
    if (workspaceId !== undefined) q = q.where('workspace_id', '=', workspaceId);
    return (await q.execute()).map(toDevice);
  }

  /** Revoking twice keeps the first revocation time. */
  async revokeDevice(deviceId: string, now: string): Promise<DeviceRecord> {
    const at = iso(now, 'The time');
    const row = await this.db
      .updateTable('devices')
      .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
      .where('id', '=', deviceId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new RelayStorageError('not-found', `There is no device ${deviceId}.`);
    return toDevice(row);
  }

  /** Last seen only moves forward, whichever relay process reports last. */
  async touchDevice(deviceId: string, now: string): Promise<void> {
    const at = iso(now, 'The time');
    const device = await this.db.selectFrom('devices').select('id').where('id', '=', deviceId).executeTakeFirst();
    if (!device) throw new RelayStorageError('not-found', `There is no device ${deviceId}.`);
    await this.db
      .updateTable('devices')
      .set({ last_seen_at: at })
      .where('id', '=', deviceId)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', at)]))
      .execute();
  }

  /** Recording the same blob again changes nothing (blobs are content-addressed) but that it is no longer missing. */
  async recordBlob(blob: BlobRecord): Promise<void> {
    if (!BLOB_HASH.test(blob.hash)) throw new RelayStorageError('invalid', `A blob is named by its SHA-256 in lower-case hex, not "${blob.hash}".`);
    if (!Number.isSafeInteger(blob.sizeBytes) || blob.sizeBytes < 0) throw new RelayStorageError('invalid', 'A blob size is a whole number of bytes.');
    try {
      await this.db
        .insertInto('blobs')
        .values({
          workspace_id: blob.workspaceId,
          hash: blob.hash,
          size_bytes: blob.sizeBytes,
          mime_type: blob.mimeType,
          created_at: iso(blob.createdAt, 'The blob time'),
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'hash']).doUpdateSet({ missing_since: null }))
        .execute();
    } catch (err) {
      if (this.violation(err) === 'foreign-key') throw new RelayStorageError('not-found', `There is no workspace ${blob.workspaceId}.`);
      throw err;
    }
  }

  async findBlob(workspaceId: string, hash: string): Promise<BlobRecord | null> {
    const row = await this.db
      .selectFrom('blobs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('hash', '=', hash)
      .executeTakeFirst();
    return row
      ? { workspaceId: row.workspace_id, hash: row.hash, sizeBytes: Number(row.size_bytes), mimeType: row.mime_type, createdAt: row.created_at }
      : null;
  }

  /** Every blob hash recorded for the workspace (what its store should hold). */
  async recordedBlobs(workspaceId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('blobs').select('hash').where('workspace_id', '=', workspaceId).execute();
    return rows.map((r) => r.hash);
  }

  /** Notes recorded blobs the store no longer holds; answers the hashes not already noted. */
  async markBlobsMissing(workspaceId: string, hashes: readonly string[], now: string): Promise<string[]> {
    if (hashes.length === 0) return [];
    const at = iso(now, 'The time');
    const rows = await this.db
      .updateTable('blobs')
      .set({ missing_since: at })
      .where('workspace_id', '=', workspaceId)
      .where('hash', 'in', [...hashes])
      .where('missing_since', 'is', null)
      .returning('hash')
      .execute();
    return rows.map((r) => r.hash);
  }

  /** Workspaces with blobs the store lost and no desk has sent again yet. */
  async workspacesMissingBlobs(): Promise<string[]> {
    const rows = await this.db.selectFrom('blobs').select('workspace_id').distinct().where('missing_since', 'is not', null).execute();
    return rows.map((r) => r.workspace_id);
  }

  /** Recorded blobs the store lost and no desk has sent again yet. */
  async missingBlobs(workspaceId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('blobs')
      .select('hash')
      .where('workspace_id', '=', workspaceId)
      .where('missing_since', 'is not', null)
      .orderBy('hash')
      .execute();
    return rows.map((r) => r.hash);
  }
}

function slugTaken(slug: string): RelayStorageError {
  return new RelayStorageError('slug-taken', `The slug "${slug}" is already used by another workspace.`);
}

function toWorkspace(row: OperatorDatabase['workspaces']): WorkspaceRecord {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at };
}

function toDevice(row: OperatorDatabase['devices']): DeviceRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Creates a workspace so that it becomes visible only when complete: its store is made and its
 * settings written first, and the operator row (which enforces the unique slug) last. When
 * anything fails, or another process took the slug meanwhile, the new store is removed again.
 */
export async function createWorkspace(
  records: OperatorRecords,
  input: { slug: string; name: string },
  engine: { prepare(id: string): Promise<WorkspaceStore>; discard(id: string): Promise<void> },
): Promise<WorkspaceRecord> {
  const slug = checkSlug(input.slug);
  const name = checkName(input.name, 'workspace name');
  if (await records.findWorkspaceBySlug(slug)) throw slugTaken(slug);
  const record: WorkspaceRecord = { id: randomUUID(), slug, name, createdAt: new Date().toISOString() };
  try {
    const store = await engine.prepare(record.id);
    await store.write({ actor: 'operator', action: 'workspace-create', summary: `Workspace ${name} (${slug}) created` }, (tx) =>
      tx.insert('workspace_settings', {
        id: SETTINGS_ID,
        name,
        slug,
        time_zone: 'America/Chicago',
        ro_number_start: 1001,
      }),
    );
    await records.insertWorkspace(record);
    return record;
  } catch (err) {
    await engine.discard(record.id).catch(() => {});
    throw err;
  }
}

/** A workspace as an engine opened it: its store, and the Kysely instance to destroy on closing. */
export interface OpenWorkspace {
  store: WorkspaceStore;
  db: Kysely<WorkspaceDatabase>;
  /** Ends the engine's background work on the workspace (a SQLite checkpoint) before `db` is destroyed. */
  beforeClose?: () => Promise<void>;
}

/**
 * The workspaces a storage has open. Each is opened once (callers at the same time share the
 * opening); a failed opening is forgotten, so the next call tries again; after `closeAll`
 * nothing opens any more.
 */
export class OpenWorkspaces {
  private readonly open = new Map<string, Promise<OpenWorkspace>>();
  private closed = false;

  constructor(
    private readonly records: OperatorRecords,
    /** The engine's opening of one workspace (migrating it first). */
    private readonly openOne: (id: string) => Promise<OpenWorkspace>,
  ) {}

  /** Ids of the workspaces open or being opened. */
  ids(): string[] {
    return [...this.open.keys()];
  }

  /** Opens a workspace whether or not the operator records know it yet (while it is being created). */
  get(id: string): Promise<OpenWorkspace> {
    if (this.closed) return Promise.reject(new Error('The relay storage is closed.'));
    let opening = this.open.get(id);
    if (!opening) {
      opening = this.openOne(id);
      this.open.set(id, opening);
      opening.catch(() => this.open.delete(id));
    }
    return opening;
  }

  /** The store of a workspace the operator records know. */
  async store(workspaceId: string): Promise<WorkspaceStore> {
    const cached = this.open.get(workspaceId);
    if (cached) return (await cached).store;
    const workspace = await this.records.findWorkspace(workspaceId);
    if (!workspace || workspace.id !== workspaceId) throw new RelayStorageError('not-found', `There is no workspace ${workspaceId}.`);
    return (await this.get(workspaceId)).store;
  }

  async close(id: string): Promise<void> {
    const opening = this.open.get(id);
    this.open.delete(id);
    const workspace = opening ? await opening.catch(() => null) : null;
    if (!workspace) return;
    await workspace.beforeClose?.();
    await workspace.db.destroy();
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all(this.ids().map((id) => this.close(id)));
  }
}

/**
 * Resolves once every announcement made before the call has reached the background listeners
 * (they hear two setImmediate turns later; these two turns are queued after theirs). A service's
 * idle() starts with it, so "settled" includes what was announced just before.
 */
export function backgroundHeard(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Listeners for "a workspace's log grew"; one failing listener does not keep the others from hearing. */
export class AnnounceListeners {
  private readonly listeners = new Set<(workspaceId: string) => void>();
  private readonly background = new Map<(workspaceId: string) => void, { ownOnly: boolean }>();
  /** Workspaces announced since the background listeners last heard, in order; true when this process made one of the announcements. */
  private readonly queued = new Map<string, boolean>();

  add(listener: (workspaceId: string) => void, options: { background?: boolean; ownOnly?: boolean } = {}): () => void {
    // A wrapper, so the same function added twice is two subscriptions, each removable once.
    const entry = (workspaceId: string) => listener(workspaceId);
    if (options.background || options.ownOnly) {
      this.background.set(entry, { ownOnly: options.ownOnly === true });
      return () => {
        this.background.delete(entry);
      };
    }
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** `own`: this process made the change (a push it took, its own write); false for another process's notice. */
  emit(workspaceId: string, own: boolean): void {
    for (const listener of [...this.listeners]) call(listener, workspaceId);
    if (this.background.size === 0) return;
    if (this.queued.size === 0) {
      // Two turns of setImmediate: the first runs before this turn's I/O poll is over, the
      // second after the next poll, so sockets already readable (a desk's page, an ack) go first.
      setImmediate(() => setImmediate(() => this.emitQueued()));
    }
    this.queued.set(workspaceId, own || this.queued.get(workspaceId) === true);
  }

  private emitQueued(): void {
    const workspaces = [...this.queued];
    this.queued.clear();
    for (const [workspaceId, own] of workspaces) {
      for (const [listener, { ownOnly }] of [...this.background]) if (own || !ownOnly) call(listener, workspaceId);
    }
  }
}

function call(listener: (workspaceId: string) => void, workspaceId: string): void {
  try {
    listener(workspaceId);
  } catch (err) {
    console.error('A change-announcement listener failed:', err);
  }
}
