// Operator records, version 7: each shop's e-signature sealing certificate (issue 16). The relay
// makes it on the shop's first sealed document: a self-signed X.509 certificate and its RSA key as
// a PKCS#12 file under a random passphrase, both sealed with the relay operator's key (AES-256-GCM,
// relay/email/token-vault.ts) before they are written here, so a dump of this table holds nothing
// that signs. The certificate itself (PEM) and its SHA-256 fingerprint are public and kept in the
// clear, for the operator's listing and for showing on the certificate of completion.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = `
  CREATE TABLE esign_keys (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    sealed_p12 TEXT NOT NULL,
    sealed_passphrase TEXT NOT NULL,
    certificate_pem TEXT NOT NULL,
    fingerprint_sha256 TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_after TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
`;

export const sqliteOperator007: SqliteMigration = {
  version: 7,
  name: 'esign-keys',
  up(db) {
    db.exec(statements);
  },
};

export const postgresOperator007: PostgresMigration = {
  version: 7,
  name: 'esign-keys',
  sql: statements,
};
