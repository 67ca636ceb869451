// Schema version 1 (desk version 1, relay workspace version 1) as released: the synced tables and
// each node's bookkeeping (change log, cell stamps, meta). Synced columns have no NOT NULL or
// foreign keys: cells arrive from other nodes in any order. FROZEN: these texts are what every
// existing database was built with; never edit them (later changes come from ../declaration.ts).
// The SQLite text is the desk's former migration 001, which the relay reused.

export const SQLITE_V1_WORKSPACE = `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stamp TEXT NOT NULL,
        tbl TEXT NOT NULL,
        row_id TEXT NOT NULL,
        col TEXT NOT NULL,
        value TEXT NOT NULL,
        node TEXT NOT NULL,
        UNIQUE (stamp, tbl, row_id, col)
      );
      CREATE INDEX changes_node_seq ON changes (node, seq);

      CREATE TABLE cell_stamps (
        tbl TEXT NOT NULL,
        row_id TEXT NOT NULL,
        col TEXT NOT NULL,
        stamp TEXT NOT NULL,
        PRIMARY KEY (tbl, row_id, col)
      ) WITHOUT ROWID;

      CREATE TABLE workspace_settings (
        id TEXT PRIMARY KEY, name TEXT, slug TEXT, address TEXT, phone TEXT, email TEXT, hours TEXT,
        time_zone TEXT, logo_hash TEXT, color_primary TEXT, color_accent TEXT, ro_number_start INTEGER,
        stage_wording TEXT
      );

      CREATE TABLE staff (
        id TEXT PRIMARY KEY, name TEXT, role TEXT, pin_hash TEXT, active INTEGER, created_at TEXT
      );

      CREATE TABLE customers (
        id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, mobile TEXT, email TEXT,
        preferred_channel TEXT, created_at TEXT
      );
      CREATE INDEX customers_mobile ON customers (mobile);

      CREATE TABLE vehicles (
        id TEXT PRIMARY KEY, customer_id TEXT, vin TEXT, plate TEXT, year INTEGER, make TEXT,
        model TEXT, color TEXT, created_at TEXT
      );
      CREATE INDEX vehicles_vin ON vehicles (vin);
      CREATE INDEX vehicles_plate ON vehicles (plate);
      CREATE INDEX vehicles_customer ON vehicles (customer_id);

      CREATE TABLE repair_orders (
        id TEXT PRIMARY KEY, ro_number INTEGER, customer_id TEXT, vehicle_id TEXT, insurer TEXT,
        claim_number TEXT, adjuster_name TEXT, adjuster_email TEXT, adjuster_phone TEXT,
        deductible_cents INTEGER, estimate_total_cents INTEGER, promised_date TEXT, courtesy_car TEXT,
        stage TEXT, sub_status_id TEXT, assigned_staff_id TEXT, checked_in_at TEXT, checked_in_by TEXT,
        closed_at TEXT
      );
      CREATE INDEX repair_orders_open ON repair_orders (closed_at, stage);
      CREATE INDEX repair_orders_number ON repair_orders (ro_number);
      CREATE INDEX repair_orders_vehicle ON repair_orders (vehicle_id);
      CREATE INDEX repair_orders_customer ON repair_orders (customer_id);

      CREATE TABLE sub_statuses (id TEXT PRIMARY KEY, name TEXT, stage TEXT, position INTEGER, active INTEGER);

      CREATE TABLE stage_events (
        id TEXT PRIMARY KEY, ro_id TEXT, stage TEXT, sub_status_id TEXT, at TEXT, staff_id TEXT
      );
      CREATE INDEX stage_events_ro ON stage_events (ro_id, at);

      CREATE TABLE promised_date_changes (
        id TEXT PRIMARY KEY, ro_id TEXT, from_date TEXT, to_date TEXT, reason TEXT, at TEXT, staff_id TEXT
      );
      CREATE INDEX promised_date_changes_ro ON promised_date_changes (ro_id, at);

      CREATE TABLE exception_tags (id TEXT PRIMARY KEY, tag TEXT, reason TEXT, active INTEGER);

      CREATE TABLE ro_exceptions (
        id TEXT PRIMARY KEY, ro_id TEXT, tag TEXT, reason TEXT, note TEXT, opened_at TEXT, opened_by TEXT,
        resolved_at TEXT, resolved_by TEXT
      );
      CREATE INDEX ro_exceptions_ro ON ro_exceptions (ro_id);

      CREATE TABLE notes (id TEXT PRIMARY KEY, ro_id TEXT, body TEXT, at TEXT, staff_id TEXT);
      CREATE INDEX notes_ro ON notes (ro_id, at);

      CREATE TABLE attachments (
        id TEXT PRIMARY KEY, ro_id TEXT, kind TEXT, blob_hash TEXT, file_name TEXT, mime_type TEXT,
        size_bytes INTEGER, published INTEGER, caption TEXT, source TEXT, added_at TEXT, added_by TEXT,
        removed_at TEXT
      );
      CREATE INDEX attachments_ro ON attachments (ro_id);

      CREATE TABLE audit_events (
        id TEXT PRIMARY KEY, node TEXT, seq INTEGER, at TEXT, actor TEXT, action TEXT, ro_id TEXT,
        detail TEXT, prev_hash TEXT, hash TEXT
      );
      CREATE INDEX audit_events_chain ON audit_events (node, seq);
      CREATE INDEX audit_events_ro ON audit_events (ro_id, at);
    `;

// Integers are BIGINT (JavaScript's safe integers do not fit in INTEGER); stamps sort as bytes
// (COLLATE "C"), the order the clock's fixed-width strings are designed for, whatever the
// database's default collation. Runs with search_path set to the workspace's own schema.
export const POSTGRES_V1_WORKSPACE = `
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE changes (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      stamp TEXT COLLATE "C" NOT NULL,
      tbl TEXT NOT NULL,
      row_id TEXT NOT NULL,
      col TEXT NOT NULL,
      value TEXT NOT NULL,
      node TEXT NOT NULL,
      UNIQUE (stamp, tbl, row_id, col)
    );
    CREATE INDEX changes_node_seq ON changes (node, seq);

    CREATE TABLE cell_stamps (
      tbl TEXT NOT NULL,
      row_id TEXT NOT NULL,
      col TEXT NOT NULL,
      stamp TEXT COLLATE "C" NOT NULL,
      PRIMARY KEY (tbl, row_id, col)
    );

    CREATE TABLE workspace_settings (
      id TEXT PRIMARY KEY, name TEXT, slug TEXT, address TEXT, phone TEXT, email TEXT, hours TEXT,
      time_zone TEXT, logo_hash TEXT, color_primary TEXT, color_accent TEXT, ro_number_start BIGINT,
      stage_wording TEXT
    );

    CREATE TABLE staff (
      id TEXT PRIMARY KEY, name TEXT, role TEXT, pin_hash TEXT, active BIGINT, created_at TEXT
    );

    CREATE TABLE customers (
      id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, mobile TEXT, email TEXT,
      preferred_channel TEXT, created_at TEXT
    );
    CREATE INDEX customers_mobile ON customers (mobile);

    CREATE TABLE vehicles (
      id TEXT PRIMARY KEY, customer_id TEXT, vin TEXT, plate TEXT, year BIGINT, make TEXT,
      model TEXT, color TEXT, created_at TEXT
    );
    CREATE INDEX vehicles_vin ON vehicles (vin);
    CREATE INDEX vehicles_plate ON vehicles (plate);
    CREATE INDEX vehicles_customer ON vehicles (customer_id);

    CREATE TABLE repair_orders (
      id TEXT PRIMARY KEY, ro_number BIGINT, customer_id TEXT, vehicle_id TEXT, insurer TEXT,
      claim_number TEXT, adjuster_name TEXT, adjuster_email TEXT, adjuster_phone TEXT,
      deductible_cents BIGINT, estimate_total_cents BIGINT, promised_date TEXT, courtesy_car TEXT,
      stage TEXT, sub_status_id TEXT, assigned_staff_id TEXT, checked_in_at TEXT, checked_in_by TEXT,
      closed_at TEXT
    );
    CREATE INDEX repair_orders_open ON repair_orders (closed_at, stage);
    CREATE INDEX repair_orders_number ON repair_orders (ro_number);
    CREATE INDEX repair_orders_vehicle ON repair_orders (vehicle_id);
    CREATE INDEX repair_orders_customer ON repair_orders (customer_id);

    CREATE TABLE sub_statuses (id TEXT PRIMARY KEY, name TEXT, stage TEXT, position BIGINT, active BIGINT);

    CREATE TABLE stage_events (
      id TEXT PRIMARY KEY, ro_id TEXT, stage TEXT, sub_status_id TEXT, at TEXT, staff_id TEXT
    );
    CREATE INDEX stage_events_ro ON stage_events (ro_id, at);

    CREATE TABLE promised_date_changes (
      id TEXT PRIMARY KEY, ro_id TEXT, from_date TEXT, to_date TEXT, reason TEXT, at TEXT, staff_id TEXT
    );
    CREATE INDEX promised_date_changes_ro ON promised_date_changes (ro_id, at);

    CREATE TABLE exception_tags (id TEXT PRIMARY KEY, tag TEXT, reason TEXT, active BIGINT);

    CREATE TABLE ro_exceptions (
      id TEXT PRIMARY KEY, ro_id TEXT, tag TEXT, reason TEXT, note TEXT, opened_at TEXT, opened_by TEXT,
      resolved_at TEXT, resolved_by TEXT
    );
    CREATE INDEX ro_exceptions_ro ON ro_exceptions (ro_id);

    CREATE TABLE notes (id TEXT PRIMARY KEY, ro_id TEXT, body TEXT, at TEXT, staff_id TEXT);
    CREATE INDEX notes_ro ON notes (ro_id, at);

    CREATE TABLE attachments (
      id TEXT PRIMARY KEY, ro_id TEXT, kind TEXT, blob_hash TEXT, file_name TEXT, mime_type TEXT,
      size_bytes BIGINT, published BIGINT, caption TEXT, source TEXT, added_at TEXT, added_by TEXT,
      removed_at TEXT
    );
    CREATE INDEX attachments_ro ON attachments (ro_id);

    CREATE TABLE audit_events (
      id TEXT PRIMARY KEY, node TEXT, seq BIGINT, at TEXT, actor TEXT, action TEXT, ro_id TEXT,
      detail TEXT, prev_hash TEXT, hash TEXT
    );
    CREATE INDEX audit_events_chain ON audit_events (node, seq);
    CREATE INDEX audit_events_ro ON audit_events (ro_id, at);
  `;
