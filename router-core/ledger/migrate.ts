// Applies pending migrations in order, each in a transaction, tracking PRAGMA user_version.
import type Database from 'better-sqlite3';
import { migrations } from './migrations.js';

/** Bring the database to the newest schema; refuses a database newer than this build. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new Error(
      `The ledger database has schema version ${current}, newer than this app supports (${newest}). Update the app or use another --data-dir.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return newest;
}
