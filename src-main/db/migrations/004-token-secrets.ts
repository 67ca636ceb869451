// Version 4 (desk only): the raw portal and bay tokens this desk issued, so it can print the
// same QR again. They never sync: other nodes, the relay included, hold only the hashes.
import type { Migration } from './types.js';

export const migration004: Migration = {
  version: 4,
  name: 'token-secrets',
  up(db) {
    db.exec(`CREATE TABLE token_secrets (token_id TEXT PRIMARY KEY, token TEXT NOT NULL) WITHOUT ROWID;`);
  },
};
