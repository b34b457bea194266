// A synchronous view of the ledger's settings for the per-request code (routing config, history, tier): loaded once,
// written through, and, on a store other gateways share, reloaded in the background so their changes arrive.
import type { SettingsStore } from './ledger.js';

/** Settings read synchronously, written through to the ledger. */
export interface SettingsView {
  /** The saved value, or undefined (never a query: answered from memory). */
  getSetting<T>(key: string): T | undefined;
  /** Saved in the ledger, then visible here at once. */
  setSetting(key: string, value: unknown): Promise<void>;
  /** Read every setting from the ledger again (other gateways' changes). */
  reload(): Promise<void>;
  /**
   * A number that changes whenever what getSetting answers may have changed (a write, a reload): lets a reader keep
   * something built from the settings until they change. Absent = no such promise (build it again each time).
   */
  version?(): number;
}

/**
 * Load the settings once. A store only this process writes (SQLite) needs nothing more: every change comes through
 * setSetting. For a shared store (PostgreSQL) the caller reloads on a short period (see SHARED_REFRESH_MS in
 * server/wiring.ts): settings are what a person changes by hand, so seeing another replica's change a second
 * later is harmless, while reading them on every request would add several queries to each one.
 */
export async function createSettingsView(ledger: Pick<SettingsStore, 'allSettings' | 'setSetting'>): Promise<SettingsView> {
  let values = new Map<string, unknown>(Object.entries(await ledger.allSettings()));
  // A reload that started before a local write must not bring back the old value: writes bump the generation.
  let generation = 0;
  // Bumped by every write and every reload that replaced the values (see SettingsView.version).
  let version = 0;
  return {
    getSetting: <T>(key: string) => values.get(key) as T | undefined,
    async setSetting(key, value) {
      await ledger.setSetting(key, value);
      generation++;
      version++;
      values.set(key, value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
    },
    async reload() {
      const started = generation;
      const fresh = new Map<string, unknown>(Object.entries(await ledger.allSettings()));
      if (started === generation) {
        values = fresh;
        version++;
      }
    },
    version: () => version,
  };
}
