// .ci/run is CI: the environment it runs `npm test` in has CI=true, so a missing PostgreSQL fails the run instead of skipping.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** The variables .ci/run exports (its `export` lines, evaluated by bash as the script does). */
function ciRunExports(): Record<string, string> {
  const script = `eval "$(grep -E '^export ' .ci/run)"; env -0`;
  const r = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH } });
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries(
    r.stdout
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

describe('.ci/run', () => {
  it('runs the suite with CI=true, and there a PostgreSQL that is not installed is an error, not a skip', () => {
    const env = ciRunExports();
    expect(env.CI).toBe('true');
    // The fixture as a test file sees it under that environment, with no PostgreSQL binaries to be found.
    const empty = mkdtempSync(path.join(os.tmpdir(), 'hai-nopg-'));
    try {
      const probe = [
        "const m = await import('./tests/fixtures/postgres.ts');",
        'let started = "no";',
        'try { await m.startPostgres(); started = "yes"; } catch (e) { started = String(e.message); }',
        'console.log(JSON.stringify({ skip: m.postgresSkipReason ?? null, started }));',
      ].join('\n');
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, HYBRID_AI_PG_BIN: empty },
      });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { skip: string | null; started: string };
      expect(out.skip).toBeNull();
      expect(out.started).toMatch(/PostgreSQL binaries \(initdb, pg_ctl\) not found/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
