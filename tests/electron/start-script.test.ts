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

describe('npm run test:electron (tests/electron-e2e/app.e2e.ts)', () => {
  it('without an Electron binary: exits 1 saying nothing was tested and how to get one (never a silent pass)', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'hai-no-electron-e2e-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('tests', 'electron-e2e', 'app.e2e.ts')], {
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty, HYBRID_AI_APP: path.join(empty, 'hybrid-ai') },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no Electron binary here, so NOTHING WAS TESTED/);
      expect(r.stderr).toMatch(/npm run build:app/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
