// After `electron-builder --linux dir` (scripts/check-packaging.sh): native modules and resources are where the app looks, and the fuses are set.
//
// Usage: tsx scripts/verify-package.ts <dir>/linux-unpacked
// Exits 1 listing every problem; prints what it checked otherwise.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(archive: string, opts: object): string[];
  extractFile(archive: string, file: string): Buffer;
};
const fuses = require('@electron/fuses') as { getCurrentFuseWire(binary: string): Promise<Record<string, number | string>> };

const unpacked = process.argv[2];
if (!unpacked || !existsSync(unpacked)) {
  process.stderr.write('Usage: tsx scripts/verify-package.ts <out>/linux-unpacked\n');
  process.exit(2);
}
const resources = path.join(unpacked, 'resources');
const archive = path.join(resources, 'app.asar');
const problems: string[] = [];
const checked: string[] = [];
const check = (ok: boolean, what: string) => (ok ? checked.push(what) : problems.push(what));

/** Files under `dir` whose name matches `re` (recursive). */
function find(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...find(p, re));
    else if (re.test(e)) out.push(p);
  }
  return out;
}

check(existsSync(archive), 'resources/app.asar exists');
const inAsar = new Set(existsSync(archive) ? asar.listPackage(archive, {}).map((f) => f.replace(/\\/g, '/')) : []);
for (const f of [
  '/package.json',
  '/dist/electron/main.js',
  '/dist/electron/preload.cjs',
  '/dist/server/router-core/server/main.js',
  '/dist/server/router-core/gateway/static.js',
  '/dist/server/dist/renderer/index.html',
  '/node_modules/fastify/package.json',
]) {
  check(inAsar.has(f), `app.asar contains ${f}`);
}
check(![...inAsar].some((f) => f.startsWith('/node_modules/tsx/')), 'app.asar has no tsx (development only)');
check(
  ![...inAsar].some((f) => /^\/(electron|router-core|renderer|tests)\//.test(f)),
  'app.asar has none of our TypeScript sources (only dist/)',
);
if (inAsar.has('/package.json')) {
  const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { main?: string };
  check(pkg.main === 'dist/electron/main.js', `package.json main is dist/electron/main.js (got ${pkg.main})`);
}

// Native code is unpacked (dlopen needs real files) where Node's resolution from inside the asar finds it.
const un = path.join(resources, 'app.asar.unpacked');
check(find(path.join(un, 'node_modules', 'better-sqlite3'), /\.node$/).length > 0, 'better-sqlite3 addon unpacked');
check(find(path.join(un, 'node_modules', '@napi-rs'), /^keyring\..*\.node$/).length > 0, '@napi-rs/keyring addon unpacked');
check(existsSync(path.join(un, 'node_modules', 'node-llama-cpp', 'package.json')), 'node-llama-cpp unpacked');
check(find(path.join(un, 'node_modules', '@node-llama-cpp'), /\.node$/).length > 0, 'llama.cpp prebuilt binaries unpacked');
check(existsSync(path.join(un, 'dist', 'server', 'router-core', 'engines', 'llamacpp.worker.js')), 'llama.cpp worker script unpacked');

// Resources (electron/paths.ts and router-core/host/ollama-process.ts read these exact places).
for (const f of ['tray-light.png', 'tray-dark.png', 'trayTemplate.png'])
  check(existsSync(path.join(resources, 'tray', f)), `resources/tray/${f}`);
const arch = process.arch;
check(existsSync(path.join(resources, 'ollama', `linux-${arch}`, 'ollama')), `resources/ollama/linux-${arch}/ollama`);

// Fuses, read back from the (dummy) Electron binary electron-builder flipped.
const binary = path.join(unpacked, 'hybrid-ai');
const wire = await fuses.getCurrentFuseWire(binary).catch((e: unknown) => {
  problems.push(`fuses readable from ${binary}: ${e instanceof Error ? e.message : String(e)}`);
  return undefined;
});
if (wire) {
  // FuseV1Options order; '0' = off (48), '1' = on (49).
  const want: Array<[number, string, number]> = [
    [0, 'RunAsNode off', 48],
    [1, 'EnableCookieEncryption on', 49],
    [2, 'EnableNodeOptionsEnvironmentVariable off', 48],
    [3, 'EnableNodeCliInspectArguments off', 48],
    [4, 'EnableEmbeddedAsarIntegrityValidation on', 49],
    [5, 'OnlyLoadAppFromAsar on', 49],
  ];
  for (const [i, name, v] of want) check(wire[i] === v, `fuse ${name}`);
}

for (const c of checked) process.stdout.write(`ok   ${c}\n`);
for (const p of problems) process.stdout.write(`FAIL ${p}\n`);
if (problems.length > 0) process.exit(1);
process.stdout.write(`Package layout OK (${checked.length} checks).\n`);
