// electron-builder.yml, loaded and schema-checked by electron-builder itself; fuses, asar, native modules and resources where the app looks; the shell's bundles.
import { mkdirSync, readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../scripts/build-electron.js';

const require = createRequire(import.meta.url);
const root = process.cwd();

interface Config {
  appId: string;
  productName: string;
  executableName: string;
  beforePack: string;
  appImage: { executableArgs: string[]; artifactName: string };
  asar: boolean;
  asarUnpack: string[];
  files: Array<{ filter: string[] }>;
  extraResources: Array<{ from: string; to: string }>;
  extraMetadata: { main: string; productName: string; desktopName: string };
  electronFuses: Record<string, boolean>;
  publish: unknown;
  linux: {
    target: string[];
    extraResources: Array<{ from: string; to: string }>;
    desktop: { entry: Record<string, string> };
  };
  mac: {
    target: Array<{ target: string; arch: string[] }>;
    extraResources: Array<{ from: string; to: string }>;
    entitlements: string;
    entitlementsInherit: string;
    hardenedRuntime: boolean;
  };
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
    expect(config.linux.extraResources).toEqual([
      { from: 'vendor/ollama/linux-${arch}', to: 'ollama/linux-${arch}' },
      { from: 'resources/linux/apparmor-appimage', to: 'apparmor/hybrid-ai-appimage' },
    ]);
    expect(config.mac.extraResources).toEqual([{ from: 'vendor/ollama/darwin-${arch}', to: 'ollama/darwin-${arch}' }]);
    expect(config.win.extraResources).toEqual([{ from: 'vendor/ollama/win32-${arch}', to: 'ollama/win32-${arch}' }]);
  });

  it('targets: Linux AppImage + deb, macOS dmg + zip per arch (no universal merge), Windows nsis; no publishing', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual([
      { target: 'dmg', arch: ['arm64', 'x64'] },
      { target: 'zip', arch: ['arm64', 'x64'] },
    ]);
    expect(config.win.target).toBe('nsis');
    expect(config.publish).toBeNull();
  });

  it('the three names agree: desktopName is the installed desktop file, StartupWMClass is app.name', () => {
    expect(config.extraMetadata.productName).toBe(config.productName);
    expect(config.extraMetadata.desktopName).toBe(`${config.executableName}.desktop`);
    expect(config.linux.desktop.entry.StartupWMClass).toBe(config.productName);
  });

  it('the AppImage keeps the Chromium sandbox; its AppArmor profile matches where the AppImage mounts the binary', () => {
    expect(config.appImage.executableArgs).toEqual([]);
    expect(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8').replace(/#.*$/gm, '')).not.toMatch(/no-sandbox/);
    const profile = readFileSync(path.join(root, 'resources', 'linux', 'apparmor-appimage'), 'utf8');
    // The AppImage runtime mounts at /tmp/.mount_<first 6 characters of the file name><random>.
    const prefix = config.appImage.artifactName.slice(0, 6);
    expect(profile).toContain(`"/tmp/.mount_${prefix}*/${config.executableName}"`);
    expect(profile).toMatch(/^\s*userns,$/m);
  });

  it('macOS hardened runtime: only allow-jit, for the app and everything it signs', () => {
    expect(config.mac.hardenedRuntime).toBe(true);
    for (const f of [config.mac.entitlements, config.mac.entitlementsInherit]) {
      const keys = [...readFileSync(path.join(root, f), 'utf8').matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
      expect(keys, f).toEqual(['com.apple.security.cs.allow-jit']);
    }
  });

  it('ships only the target arch’s llama.cpp binaries, one GPU runtime, and never the llama.cpp source bundle', async () => {
    // The minimatch electron-builder itself matches `files` patterns with.
    type Match = (p: string, g: string, o?: object) => boolean;
    const mm = createRequire(require.resolve('app-builder-lib/package.json'))('minimatch') as Match | { minimatch: Match };
    const minimatch: Match = typeof mm === 'function' ? mm : mm.minimatch;
    const all = [
      'linux-x64',
      'linux-x64-vulkan',
      'linux-x64-cuda',
      'linux-x64-cuda-ext',
      'linux-arm64',
      'linux-armv7l',
      'mac-arm64-metal',
      'mac-x64',
      'win-x64',
      'win-x64-vulkan',
      'win-x64-cuda',
      'win-x64-cuda-ext',
      'win-arm64',
    ];
    const common = config.files.flatMap((f) => f.filter);
    // electron-builder's ${os} is linux, mac or win: the names @node-llama-cpp's packages use.
    const kept = (os: string, arch: string) =>
      all.filter((pkg) => {
        const file = `node_modules/@node-llama-cpp/${pkg}/bins/x/llama-addon.node`;
        return !common.some(
          (p) => p.startsWith('!') && minimatch(file, p.slice(1).replaceAll('${arch}', arch).replaceAll('${os}', os), { dot: true }),
        );
      });
    expect(kept('linux', 'x64')).toEqual(['linux-x64', 'linux-x64-vulkan']);
    expect(kept('linux', 'arm64')).toEqual(['linux-arm64']);
    expect(kept('mac', 'arm64')).toEqual(['mac-arm64-metal']);
    expect(kept('mac', 'x64')).toEqual(['mac-x64']);
    expect(kept('win', 'x64')).toEqual(['win-x64', 'win-x64-vulkan']);
    expect(kept('win', 'arm64')).toEqual(['win-arm64']);
    // No platform section has a `files` list of its own (exclusions alone there would make electron-builder add "**/*").
    for (const plat of [config.linux, config.mac, config.win]) expect((plat as { files?: unknown }).files).toBeUndefined();
    expect(common).toContain('!node_modules/node-llama-cpp/llama/gitRelease.bundle');
    expect(common.some((p) => minimatch('node_modules/node-llama-cpp/llama/llama.cpp/ggml/src/ggml.c', p.slice(1)))).toBe(true);
  });

  it('packaging fails loudly when the target’s llama.cpp binaries or its bundled Ollama are missing', () => {
    const hooks = require('../../scripts/packaging-hooks.cjs') as {
      checkTarget(root: string, platform: string, arch: string): string[];
      beforePack(ctx: object): Promise<void>;
    };
    expect(config.beforePack).toBe('scripts/packaging-hooks.cjs');
    const fakeRoot = mkdtempSync(path.join(os.tmpdir(), 'hai-pack-hooks-'));
    try {
      const problems = hooks.checkTarget(fakeRoot, 'darwin', 'arm64');
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(
        /@node-llama-cpp\/mac-arm64-metal is not installed, so the darwin-arm64 app would have no embedded llama\.cpp/,
      );
      expect(problems[1]).toMatch(/bundled Ollama for darwin-arm64 is missing.*npm run fetch:ollama -- --target darwin-arm64/);
      for (const pkg of ['linux-x64', 'linux-x64-vulkan']) {
        mkdirSync(path.join(fakeRoot, 'node_modules', '@node-llama-cpp', pkg, 'bins', pkg), { recursive: true });
        writeFileSync(path.join(fakeRoot, 'node_modules', '@node-llama-cpp', pkg, 'bins', pkg, 'llama-addon.node'), '');
      }
      mkdirSync(path.join(fakeRoot, 'vendor', 'ollama', 'linux-x64', 'bin'), { recursive: true });
      writeFileSync(path.join(fakeRoot, 'vendor', 'ollama', 'linux-x64', 'bin', 'ollama'), '');
      expect(hooks.checkTarget(fakeRoot, 'linux-x64'.split('-')[0]!, 'x64')).toEqual([]);
      // electron-builder passes its Arch enum (1 = x64, 3 = arm64).
      return expect(
        hooks.beforePack({ electronPlatformName: 'linux', arch: 3, packager: { info: { projectDir: fakeRoot } } }),
      ).rejects.toThrow(/Cannot package linux-arm64:[\s\S]*@node-llama-cpp\/linux-arm64 is not installed/);
    } finally {
      setTimeout(() => rmSync(fakeRoot, { recursive: true, force: true }), 100);
    }
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
