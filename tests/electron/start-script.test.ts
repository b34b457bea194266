// `npm start` without the Electron binary: a clear message and the served-UI alternative, never a download or a launch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm start (scripts/start-electron.mjs)', () => {
  it('says the desktop binary is not installed and how to use the served UI instead', () => {
    // An empty folder as the Electron dist: the binary is absent wherever this test runs, so nothing is launched.
    const empty = mkdtempSync(path.join(os.tmpdir(), 'hai-no-electron-'));
    try {
      const r = spawnSync(process.execPath, [path.join('scripts', 'start-electron.mjs')], {
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/The Electron desktop binary is not installed here/);
      expect(r.stderr).toContain(empty);
      expect(r.stderr).toMatch(/npm run serve/);
      expect(r.stderr).toMatch(/#token=/);
      expect(r.stdout).toBe('');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
