// Groups of shops in the operator database (operator migration 13), the same Kysely queries on
// both engines: a group, its locations in page order, and the shops whose owners/managers are its
// admins.
import type { Kysely } from 'kysely';

export interface GroupsDatabase {
  groups: { slug: string; name: string; color_primary: string | null; color_accent: string | null; logo_type: string | null; logo_base64: string | null; created_at: string };
  group_members: { group_slug: string; workspace_id: string; position: number | string; added_at: string };
  group_admins: { group_slug: string; workspace_id: string; role: string; added_at: string };
  group_admin_people: { group_slug: string; email: string; name: string; added_at: string; removed_at: string | null };
  group_sign_in_links: { token_hash: string; group_slug: string; email: string; created_at: string; expires_at: string; used_at: string | null };
  group_sessions: { id_hash: string; group_slug: string; email: string; csrf_token: string; created_at: string; expires_at: string; revoked_at: string | null };
}

/** A person the operator named as a group's admin (operator migration 18): they sign in on the relay by a mailed link. */
export interface GroupAdminPerson {
  groupSlug: string;
  email: string;
  name: string;
  removedAt: string | null;
}

export interface GroupSession {
  idHash: string;
  groupSlug: string;
  email: string;
  csrfToken: string;
  expiresAt: string;
  revokedAt: string | null;
}

export interface GroupRecord {
  slug: string;
  name: string;
  colorPrimary: string | null;
  colorAccent: string | null;
  logo: { type: string; bytes: Buffer } | null;
  /** Workspace ids, in the order the group's page lists them. */
  members: string[];
  admins: Array<{ workspaceId: string; role: string }>;
}

export class GroupError extends Error {}

export const GROUP_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
export const ADMIN_ROLES = ['owner', 'manager'] as const;

export class GroupRecords {
  constructor(private readonly db: Kysely<GroupsDatabase>) {}

  async create(input: { slug: string; name: string; colorPrimary?: string | null; colorAccent?: string | null; logo?: { type: string; bytes: Buffer } | null; now?: string }): Promise<GroupRecord> {
    if (!GROUP_SLUG.test(input.slug)) throw new GroupError(`A group's slug is 1-48 lower-case letters, digits and dashes (its page is /g/<slug>), not "${input.slug.slice(0, 60)}".`);
    const name = input.name.trim();
    if (name === '' || name.length > 120) throw new GroupError('A group needs a name of 1-120 characters.');
    for (const [flag, colour] of [['--primary', input.colorPrimary], ['--accent', input.colorAccent]] as const) {
      if (colour && !/^#[0-9a-fA-F]{6}$/.test(colour)) throw new GroupError(`${flag} takes a colour like #1f4e79, not "${colour}".`);
    }
    if (input.logo && input.logo.bytes.length > 200_000) throw new GroupError('The logo must be under 200 KB (a PNG or JPEG).');
    if (await this.find(input.slug)) throw new GroupError(`There is already a group "${input.slug}".`);
    await this.db
      .insertInto('groups')
      .values({
        slug: input.slug,
        name,
        color_primary: input.colorPrimary ?? null,
        color_accent: input.colorAccent ?? null,
        logo_type: input.logo?.type ?? null,
        logo_base64: input.logo ? input.logo.bytes.toString('base64') : null,
        created_at: input.now ?? new Date().toISOString(),
      })
      .execute();
    return (await this.find(input.slug))!;
  }

  /** Adds a shop as the group's last location (again: no change). */
  async addMember(slug: string, workspaceId: string, now = new Date().toISOString()): Promise<void> {
    const group = await this.find(slug);
    if (!group) throw new GroupError(`No group "${slug}" (see: group list).`);
    if (group.members.includes(workspaceId)) return;
    await this.db.insertInto('group_members').values({ group_slug: slug, workspace_id: workspaceId, position: group.members.length + 1, added_at: now }).execute();
  }

  async removeMember(slug: string, workspaceId: string): Promise<void> {
    await this.db.deleteFrom('group_members').where('group_slug', '=', slug).where('workspace_id', '=', workspaceId).execute();
  }

  /** The owners or managers of `workspaceId` see the group's reports across its locations. */
  async addAdmin(slug: string, workspaceId: string, role: string, now = new Date().toISOString()): Promise<void> {
    if (!(ADMIN_ROLES as readonly string[]).includes(role)) throw new GroupError(`A group admin role is ${ADMIN_ROLES.join(' or ')}, not "${role}".`);
    const group = await this.find(slug);
    if (!group) throw new GroupError(`No group "${slug}" (see: group list).`);
    if (!group.members.includes(workspaceId)) throw new GroupError('A group admin must be at one of the group\'s own locations: add the shop to the group first.');
    if (group.admins.some((a) => a.workspaceId === workspaceId && a.role === role)) return;
    await this.db.insertInto('group_admins').values({ group_slug: slug, workspace_id: workspaceId, role, added_at: now }).execute();
  }

  async find(slug: string): Promise<GroupRecord | null> {
    const row = await this.db.selectFrom('groups').selectAll().where('slug', '=', slug).executeTakeFirst();
    if (!row) return null;
    const members = await this.db.selectFrom('group_members').select(['workspace_id']).where('group_slug', '=', slug).orderBy('position').orderBy('workspace_id').execute();
    const admins = await this.db.selectFrom('group_admins').select(['workspace_id', 'role']).where('group_slug', '=', slug).orderBy('workspace_id').orderBy('role').execute();
    return {
      slug: row.slug,
      name: row.name,
      colorPrimary: row.color_primary,
      colorAccent: row.color_accent,
      logo: row.logo_type && row.logo_base64 ? { type: row.logo_type, bytes: Buffer.from(row.logo_base64, 'base64') } : null,
      members: members.map((m) => m.workspace_id),
      admins: admins.map((a) => ({ workspaceId: a.workspace_id, role: a.role })),
    };
  }

  async list(): Promise<GroupRecord[]> {
    const rows = await this.db.selectFrom('groups').select('slug').orderBy('slug').execute();
    return (await Promise.all(rows.map((r) => this.find(r.slug)))).filter((g): g is GroupRecord => g !== null);
  }

  /** The groups whose admins include this shop with this role. */
  async administeredBy(workspaceId: string, role: string): Promise<GroupRecord[]> {
    const rows = await this.db.selectFrom('group_admins').select('group_slug').where('workspace_id', '=', workspaceId).where('role', '=', role).orderBy('group_slug').execute();
    return (await Promise.all(rows.map((r) => this.find(r.group_slug)))).filter((g): g is GroupRecord => g !== null);
  }

  // --- admins by e-mail address, their sign-in links and sessions (migration 18) ---------------

  /** Names someone (by address) an admin of the group; again with a new name renames; a removed person is restored. */
  async addAdminPerson(slug: string, email: string, name: string, now = new Date().toISOString()): Promise<GroupAdminPerson> {
    if (!(await this.find(slug))) throw new GroupError(`No group "${slug}" (see: group list).`);
    const address = email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) || address.length > 254) throw new GroupError(`"${email.slice(0, 80)}" is not an e-mail address.`);
    const who = name.trim();
    if (who === '' || who.length > 100) throw new GroupError('Give the admin\'s name (1-100 characters).');
    const had = await this.db.selectFrom('group_admin_people').select('email').where('group_slug', '=', slug).where('email', '=', address).executeTakeFirst();
    if (had) await this.db.updateTable('group_admin_people').set({ name: who, removed_at: null }).where('group_slug', '=', slug).where('email', '=', address).execute();
    else await this.db.insertInto('group_admin_people').values({ group_slug: slug, email: address, name: who, added_at: now, removed_at: null }).execute();
    return (await this.adminPerson(slug, address))!;
  }

  /** Removes an admin and ends their sessions at once. */
  async removeAdminPerson(slug: string, email: string, now = new Date().toISOString()): Promise<boolean> {
    const address = email.trim().toLowerCase();
    const res = await this.db.updateTable('group_admin_people').set({ removed_at: now }).where('group_slug', '=', slug).where('email', '=', address).where('removed_at', 'is', null).executeTakeFirst();
    await this.db.updateTable('group_sessions').set({ revoked_at: now }).where('group_slug', '=', slug).where('email', '=', address).where('revoked_at', 'is', null).execute();
    return Number(res.numUpdatedRows) > 0;
  }

  async adminPerson(slug: string, email: string): Promise<GroupAdminPerson | null> {
    const row = await this.db.selectFrom('group_admin_people').selectAll().where('group_slug', '=', slug).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    return row ? { groupSlug: row.group_slug, email: row.email, name: row.name, removedAt: row.removed_at } : null;
  }

  async adminPeople(slug: string): Promise<GroupAdminPerson[]> {
    const rows = await this.db.selectFrom('group_admin_people').selectAll().where('group_slug', '=', slug).where('removed_at', 'is', null).orderBy('email').execute();
    return rows.map((row) => ({ groupSlug: row.group_slug, email: row.email, name: row.name, removedAt: row.removed_at }));
  }

  async createSignInLink(input: { tokenHash: string; groupSlug: string; email: string; now: string; expiresAt: string }): Promise<void> {
    await this.db.insertInto('group_sign_in_links').values({ token_hash: input.tokenHash, group_slug: input.groupSlug, email: input.email, created_at: input.now, expires_at: input.expiresAt, used_at: null }).execute();
  }

  /** Uses a link once: answers its group and address, or null when it is unknown, used or expired. */
  async useSignInLink(tokenHash: string, now: string): Promise<{ groupSlug: string; email: string } | null> {
    const row = await this.db
      .updateTable('group_sign_in_links')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['group_slug', 'email'])
      .executeTakeFirst();
    return row ? { groupSlug: row.group_slug, email: row.email } : null;
  }

  async createSession(input: { idHash: string; groupSlug: string; email: string; csrfToken: string; now: string; expiresAt: string }): Promise<void> {
    await this.db
      .insertInto('group_sessions')
      .values({ id_hash: input.idHash, group_slug: input.groupSlug, email: input.email, csrf_token: input.csrfToken, created_at: input.now, expires_at: input.expiresAt, revoked_at: null })
      .execute();
  }

  async findSession(idHash: string): Promise<GroupSession | null> {
    const row = await this.db.selectFrom('group_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row ? { idHash: row.id_hash, groupSlug: row.group_slug, email: row.email, csrfToken: row.csrf_token, expiresAt: row.expires_at, revokedAt: row.revoked_at } : null;
  }

  async revokeSession(idHash: string, now: string): Promise<void> {
    await this.db.updateTable('group_sessions').set({ revoked_at: now }).where('id_hash', '=', idHash).where('revoked_at', 'is', null).execute();
  }
}
