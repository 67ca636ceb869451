// The desk's published Windows installers in the operator database (operator migration 16), the
// same Kysely queries on both engines. The newest one answers desks' latest.yml.
import type { Kysely } from 'kysely';

export interface DeskReleasesDatabase {
  desk_releases: { version: string; file_name: string; sha256: string; sha512: string; size_bytes: number | string; notes: string | null; published_at: string };
}

export interface DeskRelease {
  version: string;
  /** The installer's name in its URL: <relay>/updates/win/<fileName>. */
  fileName: string;
  /** Hex; names the installer in the blob store. */
  sha256: string;
  /** Base64, as latest.yml carries it and electron-updater checks it. */
  sha512: string;
  sizeBytes: number;
  notes: string | null;
  publishedAt: string;
}

export class DeskReleaseRecords {
  constructor(private readonly db: Kysely<DeskReleasesDatabase>) {}

  async add(release: DeskRelease): Promise<void> {
    await this.db
      .insertInto('desk_releases')
      .values({
        version: release.version,
        file_name: release.fileName,
        sha256: release.sha256,
        sha512: release.sha512,
        size_bytes: release.sizeBytes,
        notes: release.notes,
        published_at: release.publishedAt,
      })
      .execute();
  }

  async latest(): Promise<DeskRelease | null> {
    const row = await this.db.selectFrom('desk_releases').selectAll().orderBy('published_at', 'desc').orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row ? toRelease(row) : null;
  }

  async byFileName(fileName: string): Promise<DeskRelease | null> {
    const row = await this.db.selectFrom('desk_releases').selectAll().where('file_name', '=', fileName).executeTakeFirst();
    return row ? toRelease(row) : null;
  }

  async byVersion(version: string): Promise<DeskRelease | null> {
    const row = await this.db.selectFrom('desk_releases').selectAll().where('version', '=', version).executeTakeFirst();
    return row ? toRelease(row) : null;
  }

  async list(): Promise<DeskRelease[]> {
    return (await this.db.selectFrom('desk_releases').selectAll().orderBy('published_at', 'desc').execute()).map(toRelease);
  }
}

function toRelease(row: DeskReleasesDatabase['desk_releases']): DeskRelease {
  return {
    version: row.version,
    fileName: row.file_name,
    sha256: row.sha256,
    sha512: row.sha512,
    sizeBytes: Number(row.size_bytes),
    notes: row.notes,
    publishedAt: row.published_at,
  };
}
