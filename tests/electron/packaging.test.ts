// electron-builder.yml, loaded and schema-checked by electron-builder itself; fuses, asar, native modules and resources where the app looks; the shell's bundles.
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../scripts/build-electron.js';

const require = createRequire(import.meta.url);
const root = process.cwd();

interface Config {
  appId: string;
  asar: boolean;
  asarUnpack: string[];
  files: Array<{ filter: string[] }>;
  extraResources: Array<{ from: string; to: string }>;
  extraMetadata: { main: string };
  electronFuses: Record<string, boolean>;
  publish: unknown;
  linux: { target: string[]; extraResources: Array<{ from: string; to: string }> };
  mac: { target: Array<{ target: string; arch: string[] }>; extraResources: Array<{ from: string; to: string }> };
  win: { target: string; extraResources: Array<{ from: string; to: string }> };
  npmRebuild?: boolean;
}

let config: Config;
beforeAll(async () => {
  // electron-builder's own loader and JSON-schema validation (what `electron-builder` runs first).
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
  const { DebugLogger } = require('builder-util');
  config = await getConfig(root, 'electron-builder.yml', null);
  await validateConfiguration(config, new DebugLogger(false));
});

describe('electron-builder.yml', () => {
  it('sets every security fuse: no run-as-node, cookie encryption, asar integrity, app only from asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs into an asar with native code unpacked, and rebuilds better-sqlite3 for Electron', () => {
    expect(config.asar).toBe(true);
    for (const p of [
      '**/*.node',
      'node_modules/better-sqlite3/**',
      'node_modules/@napi-rs/**',
      'node_modules/node-llama-cpp/**',
      'node_modules/@node-llama-cpp/**',
    ])
      expect(config.asarUnpack).toContain(p);
    expect(config.npmRebuild).not.toBe(false);
  });

  it('ships the shell, the compiled core and the UI where the app and the core look for them', () => {
    const files = config.files.flatMap((f) => f.filter);
    expect(config.extraMetadata.main).toBe('dist/electron/main.js');
    for (const f of ['dist/electron/**', 'dist/server/router-core/**', 'dist/server/dist/renderer/**']) expect(files).toContain(f);
    // electron/paths.ts: the packaged core is <app>/dist/server/router-core/server/main.js; the preload dist/electron/preload.cjs.
    expect(readFileSync(path.join(root, 'electron', 'paths.ts'), 'utf8')).toContain(
      "path.join(loc.appPath, 'dist', 'server', 'router-core', 'server', 'main.js')",
    );
    // Development-only runtime code stays out.
    expect(files).toContain('!node_modules/tsx/**');
  });

  it('tray icons land in <resources>/tray and the bundled Ollama in <resources>/ollama/<platform>-<arch>', () => {
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'resources/tray', to: 'tray' }));
    expect(config.linux.extraResources).toEqual([{ from: 'vendor/ollama/linux-${arch}', to: 'ollama/linux-${arch}' }]);
    expect(config.mac.extraResources).toEqual([{ from: 'vendor/ollama/darwin-${arch}', to: 'ollama/darwin-${arch}' }]);
    expect(config.win.extraResources).toEqual([{ from: 'vendor/ollama/win32-${arch}', to: 'ollama/win32-${arch}' }]);
  });

  it('targets: Linux AppImage + deb, macOS universal dmg, Windows nsis; no publishing (auto-update off)', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['universal'] }]);
    expect(config.win.target).toBe('nsis');
    expect(config.publish).toBeNull();
  });
});

describe('npm run build:electron', () => {
  it('builds an ESM main process and a single-file CommonJS preload that requires only electron', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'hai-electron-build-'));
    try {
      const { main, preload } = await buildElectron({ outDir: out, logLevel: 'silent' });
      const pre = readFileSync(preload, 'utf8');
      const requires = [...pre.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
      expect(requires).toEqual(['electron']);
      expect(pre).toContain('exposeInMainWorld("shell"');
      expect(pre).toContain('"app:get-gateway"');
      const m = readFileSync(main, 'utf8');
      expect(m).toMatch(/^import .* from "electron";$/m);
      // The shell never bundles core internals: it starts the core as a process.
      expect(m).not.toMatch(/createCore\(|openSqliteLedger|node-llama-cpp/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
