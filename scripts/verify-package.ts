// After `electron-builder --linux dir` (scripts/check-packaging.sh): layout, fuses, names, size budget, only this arch's engine binaries.
//
// Usage: tsx scripts/verify-package.ts <dir>/linux-unpacked
// Exits 1 listing every problem; prints what it checked (and the size breakdown) otherwise.
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
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

// The llama.cpp worker: router-core/engines/llamacpp.ts starts `new URL('./llamacpp.worker.js', import.meta.url)`,
// which in the app is inside app.asar (Electron ≥ 17.3 gives worker threads asar support, electron/electron#33216).
// It must be there, with every module it imports, and there must be no second copy in app.asar.unpacked that the
// code never loads (it would drift from the asar's, outside the asar integrity check).
const workerInAsar = '/dist/server/router-core/engines/llamacpp.worker.js';
check(inAsar.has(workerInAsar), `the llama.cpp worker is in app.asar where llamacpp.js starts it (${workerInAsar})`);
if (inAsar.has(workerInAsar)) {
  const src = asar.extractFile(archive, workerInAsar.slice(1)).toString();
  for (const m of src.matchAll(/^import\s[^'"]*['"](\.[^'"]+)['"]/gm)) {
    const target = path.posix.join(path.posix.dirname(workerInAsar), m[1]!);
    check(inAsar.has(target), `the worker's import ${m[1]} is in app.asar`);
  }
}
check(
  !existsSync(path.join(un, 'dist', 'server', 'router-core', 'engines', 'llamacpp.worker.js')),
  'no unused unpacked copy of the llama.cpp worker',
);

// Only this target's llama.cpp binaries (electron-builder.yml linux.files), and no llama.cpp source bundle.
const arch = process.arch;
const allowedEngines = arch === 'x64' ? ['linux-x64', 'linux-x64-vulkan'] : [`linux-${arch}`];
const engineDirs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((d) => find(path.join(dir, d), /./).length > 0) : []);
const shipped = engineDirs(path.join(un, 'node_modules', '@node-llama-cpp'));
const foreign = shipped.filter((d) => !allowedEngines.includes(d));
check(
  foreign.length === 0,
  `only linux-${arch}'s llama.cpp binaries (${allowedEngines.join(', ')}) ship${foreign.length ? `; also found: ${foreign.join(', ')}` : ''}`,
);
const inAsarForeign = [...inAsar].filter(
  (f) => /^\/node_modules\/@node-llama-cpp\/([^/]+)\//.test(f) && !allowedEngines.includes(f.split('/')[3]!),
);
check(inAsarForeign.length === 0, 'no other platform’s llama.cpp package inside app.asar');
const sourceBundles = [
  ...find(path.join(un, 'node_modules', 'node-llama-cpp', 'llama'), /^gitRelease\.bundle$/),
  ...[...inAsar].filter((f) => f.endsWith('/gitRelease.bundle') || f.includes('/node-llama-cpp/llama/llama.cpp/')),
];
check(
  sourceBundles.length === 0,
  `no llama.cpp source bundle (node-llama-cpp/llama/gitRelease.bundle)${sourceBundles.length ? `: ${sourceBundles[0]}` : ''}`,
);

// Resources (electron/paths.ts and router-core/host/ollama-process.ts read these exact places).
for (const f of ['tray-light.png', 'tray-dark.png', 'trayTemplate.png'])
  check(existsSync(path.join(resources, 'tray', f)), `resources/tray/${f}`);
check(
  existsSync(path.join(resources, 'apparmor', 'hybrid-ai-appimage')),
  'resources/apparmor/hybrid-ai-appimage (Ubuntu ≥ 24.04 AppImage)',
);
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

// The names (electron-builder.yml's header): app.name = productName, and desktopName = the installed desktop file.
if (inAsar.has('/package.json')) {
  const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { productName?: string; desktopName?: string };
  check(pkg.productName === 'Hybrid AI', `packaged package.json productName is "Hybrid AI" (got ${pkg.productName})`);
  check(pkg.desktopName === 'hybrid-ai.desktop', `packaged package.json desktopName is hybrid-ai.desktop (got ${pkg.desktopName})`);
}

// Size budget. The AppImage must stay ≤ 500 MB (issue 26; node-llama-cpp's own example AppImage is 326–517 MB); the
// uncompressed --linux dir is checked against the same number, which leaves the squashfs compression as margin.
// Here Electron is a dummy and Ollama may be a stub: their real sizes are added as measured estimates.
const BUDGET_BYTES = 500 * 1024 * 1024;
/** Electron 45's linux-x64 runtime unpacked (binary, .pak files, locales, libs, chrome-sandbox): ~270 MB. */
const ELECTRON_RUNTIME_BYTES = 270 * 1024 * 1024;
/** Ollama trimmed to its CPU runners by scripts/fetch-ollama.ts (bin/ollama + lib/ollama CPU libraries): ~60 MB. */
const OLLAMA_TRIMMED_BYTES = 60 * 1024 * 1024;
function du(p: string): number {
  const st = lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((n, e) => n + du(path.join(p, e)), 0);
}
const total = du(unpacked);
const binary0 = path.join(unpacked, 'hybrid-ai');
const dummyElectron = existsSync(binary0) && statSync(binary0).size < 1024 * 1024;
const ollamaDir = path.join(resources, 'ollama', `linux-${arch}`);
const stubOllama = existsSync(ollamaDir) && du(ollamaDir) < 1024 * 1024;
const estimated = total + (dummyElectron ? ELECTRON_RUNTIME_BYTES : 0) + (stubOllama ? OLLAMA_TRIMMED_BYTES : 0);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const parts: Array<[string, number]> = [
  ['app.asar', existsSync(archive) ? du(archive) : 0],
  ['app.asar.unpacked', existsSync(un) ? du(un) : 0],
  ...shipped.map((d): [string, number] => [`  @node-llama-cpp/${d}`, du(path.join(un, 'node_modules', '@node-llama-cpp', d))]),
  ['ollama', existsSync(ollamaDir) ? du(ollamaDir) : 0],
];
process.stdout.write(
  `size: --linux dir ${mb(total)}${dummyElectron ? ` + Electron runtime ~${mb(ELECTRON_RUNTIME_BYTES)} (dummy here)` : ''}` +
    `${stubOllama ? ` + trimmed Ollama ~${mb(OLLAMA_TRIMMED_BYTES)} (stub here)` : ''} = ${mb(estimated)} (budget ${mb(BUDGET_BYTES)})\n` +
    parts.map(([n, b]) => `      ${n}: ${mb(b)}\n`).join(''),
);
check(estimated <= BUDGET_BYTES, `size ${mb(estimated)} within the ${mb(BUDGET_BYTES)} budget`);

for (const c of checked) process.stdout.write(`ok   ${c}\n`);
for (const p of problems) process.stdout.write(`FAIL ${p}\n`);
if (problems.length > 0) process.exit(1);
process.stdout.write(`Package layout OK (${checked.length} checks).\n`);
