// Schema migrations as ordered SQL strings (kept in TS so a bundled server carries them without loose files).

/** Each migration runs once, in order, inside one transaction; PRAGMA user_version records the last applied. */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'init',
    sql: `
      CREATE TABLE requests (
        id               TEXT PRIMARY KEY,
        ts               INTEGER NOT NULL,
        protocol         TEXT NOT NULL,
        route            TEXT,
        model            TEXT,
        engine           TEXT,
        complexity       REAL,
        reasons          TEXT NOT NULL DEFAULT '[]',
        input_tokens     INTEGER NOT NULL DEFAULT 0,
        output_tokens    INTEGER NOT NULL DEFAULT 0,
        cost_micros      INTEGER NOT NULL DEFAULT 0,
        all_cloud_micros INTEGER NOT NULL DEFAULT 0,
        latency_ms       REAL NOT NULL,
        ttft_ms          REAL,
        status           TEXT NOT NULL CHECK (status IN ('ok', 'error', 'aborted')),
        error_type       TEXT,
        fallback_from    TEXT NOT NULL DEFAULT '[]',
        prompt           TEXT,
        response         TEXT
      );
      CREATE INDEX requests_ts ON requests (ts);
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];
