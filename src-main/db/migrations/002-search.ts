// Version 2: the search index (FTS5) behind search-as-you-type, filled from the rows already there.
import type { Migration } from './types.js';
import { rebuildSearchIndex } from '../../search/search-index.js';

export const migration002: Migration = {
  version: 2,
  name: 'search',
  up(db) {
    db.exec(`
      CREATE TABLE search_rows (
        rowid INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        ref_id TEXT NOT NULL,
        UNIQUE (kind, ref_id)
      );
      CREATE VIRTUAL TABLE ro_search USING fts5(
        tokens, tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3 4', content = '', contentless_delete = 1
      );
      CREATE VIRTUAL TABLE customer_search USING fts5(
        tokens, tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3 4', content = '', contentless_delete = 1
      );
    `);
    rebuildSearchIndex(db);
  },
};
