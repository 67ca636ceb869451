// Groups of shops in the operator database (operator migration 13), the same Kysely queries on
// both engines: a group, its locations in page order, and the shops whose owners/managers are its
// admins.
import type { Kysely } from 'kysely';

export interface GroupsDatabase {
  groups: { slug: string; name: string; color_primary: string | null; color_accent: string | null; logo_type: string | null; logo_base64: string | null; created_at: string };
  group_members: { group_slug: string; workspace_id: string; position: number | string; added_at: string };
  group_admins: { group_slug: string; workspace_id: string; role: string; added_at: string };
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
}
