// Each shop's e-signature sealing certificate in the operator database (either engine, the same
// Kysely queries; table from migration 7). The sealed PKCS#12 and its sealed passphrase are opaque
// here: relay/esign/certificates.ts seals and opens them. Two relay processes making a shop's first
// certificate at the same moment both insert "if none"; the row that landed first is the one both
// go on with (insert-or-read), so a shop never has two sealing certificates.
import type { Kysely } from 'kysely';

export interface EsignKeysDatabase {
  esign_keys: {
    workspace_id: string;
    sealed_p12: string;
    sealed_passphrase: string;
    certificate_pem: string;
    fingerprint_sha256: string;
    subject: string;
    not_after: string;
    created_at: string;
  };
}

export interface EsignKeyRecord {
  workspaceId: string;
  sealedP12: string;
  sealedPassphrase: string;
  certificatePem: string;
  /** Colon-less lower-case hex of the DER certificate's SHA-256. */
  fingerprintSha256: string;
  /** The subject as shown to people ("CN=Harbor Collision, O=Harbor Collision"). */
  subject: string;
  notAfter: string;
  createdAt: string;
}

type Row = EsignKeysDatabase['esign_keys'];

const toRecord = (r: Row): EsignKeyRecord => ({
  workspaceId: r.workspace_id,
  sealedP12: r.sealed_p12,
  sealedPassphrase: r.sealed_passphrase,
  certificatePem: r.certificate_pem,
  fingerprintSha256: r.fingerprint_sha256,
  subject: r.subject,
  notAfter: r.not_after,
  createdAt: r.created_at,
});

export class EsignKeyRecords {
  constructor(private readonly db: Kysely<EsignKeysDatabase>) {}

  async find(workspaceId: string): Promise<EsignKeyRecord | null> {
    const row = await this.db.selectFrom('esign_keys').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** Stores `record` unless the shop already has one; returns the one the shop has now (this or the earlier). */
  async insertOrRead(record: EsignKeyRecord): Promise<EsignKeyRecord> {
    await this.db
      .insertInto('esign_keys')
      .values({
        workspace_id: record.workspaceId,
        sealed_p12: record.sealedP12,
        sealed_passphrase: record.sealedPassphrase,
        certificate_pem: record.certificatePem,
        fingerprint_sha256: record.fingerprintSha256,
        subject: record.subject,
        not_after: record.notAfter,
        created_at: record.createdAt,
      })
      .onConflict((oc) => oc.column('workspace_id').doNothing())
      .execute();
    const kept = await this.find(record.workspaceId);
    if (!kept) throw new Error(`The sealing certificate of workspace ${record.workspaceId} was not kept.`);
    return kept;
  }

  async list(): Promise<EsignKeyRecord[]> {
    return (await this.db.selectFrom('esign_keys').selectAll().orderBy('created_at').execute()).map(toRecord);
  }
}
