// `npm run build:server`: the self-contained headless server bundle in dist/server (plain JS, runtime deps only).
//
// What the bundle is, and why it is built this way:
// - router-core compiled by `tsc -p tsconfig.server.json` to ESM JavaScript, one .js per .ts, same tree
//   (dist/server/router-core/...). No bundler: the embedded llama.cpp engine starts `llamacpp.worker.js` next to
//   its own file, node-llama-cpp and better-sqlite3 load native addons from their package folders, and both break
//   when code is concatenated into one file. tsc keeps every relative path intact, so the compiled code runs as is.
// - The start path is then bundled by esbuild over that output (see bundleStartPath): router-core/server/main.js
//   becomes a few lines that switch on V8's compile cache and import core.js, one minified, tree-shaken ESM file of
//   the core and the pure-JS packages it imports (lazy parts in chunks/), and the worker gets the same treatment. A
//   cold start then reads and compiles a few files instead of resolving ~1,000 modules. Packages with native addons
//   or files of their own (node-llama-cpp, better-sqlite3, the keychain, pg, systeminformation, the cloud SDKs) stay
//   external and load from node_modules as before; the rest of the tsc output stays for the CLI and scripts.
// - dist/server/package.json lists only the npm packages the compiled code really imports (found by scanning it),
//   pinned to the versions in the root package-lock.json; a runtime import of a dev-only package fails the build.
// - dist/server/package-lock.json is the root lock pruned to those packages' dependency closure, so
//   `npm install --omit=dev` in the image or on a VM installs exactly what the tests ran against (native modules are
//   built or fetched there, for that machine's libc and CPU).
// - The built UI (dist/renderer, from `npm run build:ui`) is copied to dist/server/dist/renderer: the same place
//   relative to router-core/gateway/static.js as in the repo, so the server finds it with no setting.
// - server-images/vm (systemd units, secret fetcher, install script, Caddyfile) is copied to dist/server/deploy/vm
//   so a VM that downloads the bundle has everything it needs to install it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

/** One entry of a package-lock v3 `packages` map. */
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

/** A package-lock.json (lockfileVersion 2 or 3). */
export interface PackageLock {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** Thrown for anything that makes the bundle wrong; the message says what to fix. */
export class BuildError extends Error {}

const builtins = new Set(builtinModules);

/** The npm package a bare import specifier names (`@scope/pkg/sub` → `@scope/pkg`), or null for node built-ins and relative paths. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('file:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  return builtins.has(name) ? null : name;
}

// Static `import ... from 'x'`, `export ... from 'x'`, side-effect `import 'x'` and dynamic `import('x')` with a
// literal. tsc output puts each on its own statement; `import.meta.resolve(...)` is deliberately not matched: the
// only one (llamacpp.ts → tsx) runs when the engine is executed from .ts sources, never in the bundle.
// A quoted word `from` (`{ name: 'from', description: '…' }`) is data, not an import.
const importPattern = /(?:(?<!['"])\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;

/** Every npm package the JavaScript files under `dir` import, with the first file that imports it. */
export function scanImports(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) {
        const src = readFileSync(p, 'utf8');
        for (const m of src.matchAll(importPattern)) {
          const pkg = packageOf(m[2]!);
          if (pkg && !found.has(pkg)) found.set(pkg, path.relative(dir, p));
        }
      }
    }
  };
  walk(dir);
  return found;
}

/** Copies every file under `from` that is not TypeScript (data read at run time) to the same place under `to`; returns how many. */
export function copyAssets(from: string, to: string): number {
  let n = 0;
  for (const name of readdirSync(from).sort()) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    if (statSync(src).isDirectory()) n += copyAssets(src, dst);
    else if (!/\.(ts|tsx|mts|cts)$/.test(name)) {
      mkdirSync(to, { recursive: true });
      cpSync(src, dst);
      n++;
    }
  }
  return n;
}

/** Where node's resolution finds `name` when required from the package at `from` ('' = the root), in lock paths. */
export function resolveInLock(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    base = base.slice(0, base.lastIndexOf('node_modules/')).replace(/\/$/, '');
  }
}

/**
 * The root lock cut down to the dependency closure of `deps` (name → exact version), as npm itself would write it
 * for a package.json with just those dependencies: optional peers that are absent are skipped, flags are recomputed
 * (`optional` when every path to a package crosses an optional edge, `peer` likewise), and `dev` flags disappear.
 */
export function pruneLock(root: PackageLock, name: string, version: string, deps: Record<string, string>): PackageLock {
  const src = root.packages;
  // Per kept package: reachable through some all-required path? through some all-non-peer path?
  const reach = new Map<string, { required: boolean; nonPeer: boolean }>();
  const queue: Array<{ at: string; required: boolean; nonPeer: boolean }> = [];
  const visit = (at: string, required: boolean, nonPeer: boolean): void => {
    const prev = reach.get(at);
    if (prev && (prev.required || !required) && (prev.nonPeer || !nonPeer)) return;
    reach.set(at, { required: required || !!prev?.required, nonPeer: nonPeer || !!prev?.nonPeer });
    queue.push({ at, required: required || !!prev?.required, nonPeer: nonPeer || !!prev?.nonPeer });
  };
  for (const dep of Object.keys(deps)) {
    const at = resolveInLock(src, '', dep);
    if (!at) throw new BuildError(`${dep} is not in package-lock.json: run npm install first.`);
    visit(at, true, true);
  }
  while (queue.length > 0) {
    const { at, required, nonPeer } = queue.shift()!;
    const e = src[at]!;
    const edges: Array<[string, 'prod' | 'optional' | 'peer' | 'optional-peer']> = [
      ...Object.keys(e.dependencies ?? {}).map((d): [string, 'prod'] => [d, 'prod']),
      ...Object.keys(e.optionalDependencies ?? {}).map((d): [string, 'optional'] => [d, 'optional']),
      ...Object.keys(e.peerDependencies ?? {}).map((d): [string, 'peer' | 'optional-peer'] => [
        d,
        e.peerDependenciesMeta?.[d]?.optional ? 'optional-peer' : 'peer',
      ]),
    ];
    for (const [dep, kind] of edges) {
      const target = resolveInLock(src, at, dep);
      if (!target) {
        if (kind === 'prod' || kind === 'peer') throw new BuildError(`${at} needs ${dep}, which package-lock.json does not hold.`);
        continue; // an optional dependency for another platform, or an optional peer nobody installed
      }
      // npm does not install an optional peer just because something could use it.
      if (kind === 'optional-peer' && !reach.has(target)) continue;
      visit(target, required && kind !== 'optional' && kind !== 'optional-peer', nonPeer && kind !== 'peer' && kind !== 'optional-peer');
    }
  }
  const packages: Record<string, LockEntry> = {
    '': { name, version, dependencies: deps, engines: src['']?.engines } as LockEntry,
  };
  for (const key of [...reach.keys()].sort()) {
    const { dev: _dev, devOptional: _devOptional, optional: _optional, peer: _peer, ...entry } = src[key]!;
    const r = reach.get(key)!;
    packages[key] = { ...entry, ...(r.required ? {} : { optional: true }), ...(r.nonPeer ? {} : { peer: true }) };
  }
  return { name, version, lockfileVersion: root.lockfileVersion, requires: true, packages };
}

/**
 * Packages the bundle leaves to node_modules: native addons (found next to their package), packages that read files
 * of their own at run time, and the ones loaded only on first use (cloud SDKs, PostgreSQL, hardware detection).
 */
export const BUNDLE_EXTERNAL = [
  'node-llama-cpp',
  'better-sqlite3',
  '@napi-rs/keyring',
  'pg',
  'systeminformation',
  'openai',
  '@anthropic-ai/sdk',
  '@google/genai',
  'ollama',
  'undici',
  // Loaded on first use (a model list, a local model's first chat), so kept out of the start-up bundle.
  '@huggingface/gguf',
];

/** The entry `node router-core/server/main.js` runs: compile cache on, then the bundled core (required after that,
 *  so the cache is active when V8 compiles it). Imported by the CLI (`hybrid-ai serve`), it only re-exports. */
const START_SHIM = `// Written by npm run build:server: starts the bundled core (core.cjs) with V8's compile cache switched on.
import module from 'node:module';
import { pathToFileURL } from 'node:url';

try {
  // Compiled code is cached on disk (NODE_COMPILE_CACHE, else the OS temp folder): later starts skip most parsing.
  module.enableCompileCache?.();
} catch {
  // a read-only or missing cache folder only costs speed
}
const core = module.createRequire(import.meta.url)('./core.cjs');
export const { main, startServer, startBanner } = core;
// The desktop shell's utility process (process.parentPort) is started by core.cjs itself.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && !('parentPort' in process && process.parentPort))
  await core.main();
`;

/** What both bundles share: minified whitespace and syntax (stack traces keep the source's names), node 24. */
const bundleCommon = {
  absWorkingDir: '',
  bundle: true,
  platform: 'node',
  target: 'node24',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  // HYBRID_AI_SOURCEMAP=1 writes core.cjs.map and llamacpp.worker.js.map, to read a CPU profile by source file.
  sourcemap: process.env.HYBRID_AI_SOURCEMAP === '1' ? ('external' as const) : false,
  external: BUNDLE_EXTERNAL,
  logLevel: 'silent',
} as const;

/**
 * The first character of `js` outside ASCII, with up to 30 characters either side; undefined when there is none.
 * why it matters: V8 keeps a script's source in memory for lazy compilation, as one byte per character when every
 * character is Latin-1 and two bytes otherwise, so a single `•` in a regular expression doubles the 2 MB core.cjs.
 */
export function nonAsciiAt(js: string): { index: number; char: string; context: string } | undefined {
  // eslint-disable-next-line no-control-regex -- the range is every ASCII character, control characters included
  const m = /[^\x00-\x7f]/.exec(js);
  if (!m) return undefined;
  return { index: m.index, char: m[0], context: js.slice(Math.max(0, m.index - 30), m.index + 31) };
}

/**
 * Bundles the start path over the tsc output in `out`: router-core/server/core.cjs (CommonJS: node built-ins then
 * load through require, without the ESM facades that cost a cold start ~tens of ms each), the llama.cpp worker (ESM,
 * off the start path), and the small start shim as router-core/server/main.js.
 */
export function bundleStartPath(repo: string, out: string): void {
  const rc = path.join(out, 'router-core');
  const results = [
    buildSync({
      ...bundleCommon,
      absWorkingDir: repo,
      entryPoints: [path.join(repo, 'router-core/server/main.ts')],
      outfile: path.join(rc, 'server', 'core.cjs'),
      format: 'cjs',
      // The few `import.meta.url` uses (the UI folder, the worker's file, "am I the entry") read this file's URL.
      define: { 'import.meta.url': '__bundleUrl' },
      banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    buildSync({
      ...bundleCommon,
      absWorkingDir: repo,
      entryPoints: [path.join(repo, 'router-core/engines/llamacpp.worker.ts')],
      outfile: path.join(rc, 'engines', 'llamacpp.worker.js'),
      format: 'esm',
      // CommonJS packages inside an ESM bundle call require(): give them a real one.
      banner: { js: "import { createRequire as __hybridRequire } from 'node:module'; const require = __hybridRequire(import.meta.url);" },
    }),
  ];
  const errors = results.flatMap((r) => r.errors.map((e) => e.text));
  if (errors.length > 0) throw new BuildError(`bundling the start path failed: ${errors.join('; ')}`);
  for (const file of [path.join(rc, 'server', 'core.cjs'), path.join(rc, 'engines', 'llamacpp.worker.js')]) {
    const at = nonAsciiAt(readFileSync(file, 'utf8'));
    if (at)
      throw new BuildError(
        `${path.relative(out, file)} holds the non-ASCII character ${at.char} (U+${at.char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) in …${at.context}…: ` +
          'write it as a \\u escape in the source (esbuild escapes strings, not regular expressions); an ASCII bundle is held in memory at one byte per character, not two.',
      );
  }
  writeFileSync(path.join(rc, 'server', 'main.js'), START_SHIM);
}

/** Options of {@link buildServer}. */
export interface BuildOptions {
  /** Repository root (default: this script's parent folder). */
  repo?: string;
  /** Output folder (default <repo>/dist/server); emptied first. */
  out?: string;
  /** Run `npm run build:ui` first when package.json has it (default true). */
  buildUi?: boolean;
  /** The built UI to copy into the bundle (default <repo>/dist/renderer, where build:ui writes it). */
  uiDir?: string;
  log?: (line: string) => void;
}

/** What {@link buildServer} produced. */
export interface BuildResult {
  out: string;
  dependencies: Record<string, string>;
  /** Whether a built UI was copied into the bundle. */
  ui: boolean;
  /** The command that starts the bundle (what the image's CMD and the systemd unit run), relative to `out`. */
  entry: string;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE_NAME = 'hybrid-ai-server';

/** True when `dir` holds a bundle this script wrote (so emptying it loses nothing else). */
function isBundle(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === BUNDLE_NAME;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], cwd: string, what: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new BuildError(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}).`);
}

/** Build the bundle; throws {@link BuildError} with a message naming the problem. */
export function buildServer(opts: BuildOptions = {}): BuildResult {
  const repo = path.resolve(opts.repo ?? repoRoot);
  const out = path.resolve(opts.out ?? path.join(repo, 'dist', 'server'));
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
    version: string;
    description?: string;
    license?: string;
    engines?: Record<string, string>;
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as PackageLock;

  if (opts.buildUi !== false) {
    if (pkg.scripts?.['build:ui']) {
      log('build:server: building the UI (npm run build:ui)');
      run('npm', ['run', 'build:ui'], repo, 'npm run build:ui');
    } else log('build:server: package.json has no build:ui script yet; bundling whatever dist/renderer holds');
  }

  log(`build:server: compiling router-core to ${path.relative(repo, out) || out}`);
  if (existsSync(out) && readdirSync(out).length > 0 && !isBundle(out))
    throw new BuildError(`Refusing to empty ${out}: it is not a previous server bundle. Choose an empty or new folder with --out.`);
  rmSync(out, { recursive: true, force: true });
  run(
    process.execPath,
    [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.server.json', '--outDir', out],
    repo,
    'tsc -p tsconfig.server.json',
  );

  // Data files that code reads at run time (e.g. JSON next to a module): tsc copies only the JSON it imports.
  const assets = copyAssets(path.join(repo, 'router-core'), path.join(out, 'router-core'));
  if (assets > 0) log(`build:server: copied ${assets} data file(s) from router-core`);

  // Scanned before bundling: the bundle imports only packages the compiled code imports (BUNDLE_EXTERNAL), and
  // minified code would defeat the scan's pattern.
  const imports = scanImports(out);
  const dependencies: Record<string, string> = {};
  for (const [name, file] of [...imports].sort(([a], [b]) => a.localeCompare(b))) {
    if (!pkg.dependencies?.[name]) {
      const where = pkg.devDependencies?.[name] ? 'only a devDependency' : 'not a dependency';
      throw new BuildError(
        `${file} imports "${name}", which is ${where} in package.json: move it to "dependencies" or stop importing it at run time.`,
      );
    }
    const installed = lock.packages[`node_modules/${name}`]?.version;
    if (!installed) throw new BuildError(`"${name}" is not in package-lock.json: run npm install first.`);
    dependencies[name] = installed;
  }
  bundleStartPath(repo, out);
  log('build:server: bundled the start path (router-core/server/core.js, the llama.cpp worker)');
  const bundlePkg = {
    name: BUNDLE_NAME,
    version: pkg.version,
    private: true,
    description: `${pkg.description ?? 'Hybrid AI Stack'} Headless server bundle built by npm run build:server.`,
    license: pkg.license,
    type: 'module',
    engines: pkg.engines,
    main: 'router-core/server/main.js',
    scripts: { start: 'node router-core/server/main.js' },
    dependencies,
  };
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(bundlePkg, null, 2)}\n`);
  writeFileSync(
    path.join(out, 'package-lock.json'),
    `${JSON.stringify(pruneLock(lock, bundlePkg.name, bundlePkg.version, dependencies), null, 2)}\n`,
  );
  log(
    `build:server: runtime dependencies: ${Object.entries(dependencies)
      .map(([n, v]) => `${n}@${v}`)
      .join(', ')}`,
  );

  const ui = path.resolve(opts.uiDir ?? path.join(repo, 'dist', 'renderer'));
  const hasUi = existsSync(path.join(ui, 'index.html'));
  if (hasUi) cpSync(ui, path.join(out, 'dist', 'renderer'), { recursive: true });
  else log(`build:server: no built UI in ${ui}: the server will answer / with a "UI not built" page`);

  const vm = path.join(repo, 'server-images', 'vm');
  if (existsSync(vm)) cpSync(vm, path.join(out, 'deploy', 'vm'), { recursive: true });
  mkdirSync(out, { recursive: true });
  log(
    `build:server: done. Start it with: cd ${path.relative(process.cwd(), out) || '.'} && npm install --omit=dev && node router-core/server/main.js`,
  );
  return { out, dependencies, ui: hasUi, entry: 'router-core/server/main.js' };
}

function parseArgs(argv: string[]): BuildOptions {
  const opts: BuildOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' && argv[i + 1]) opts.out = argv[++i];
    else if (a === '--ui-dir' && argv[i + 1]) opts.uiDir = argv[++i];
    else if (a === '--skip-ui-build') opts.buildUi = false;
    else throw new BuildError(`Unknown option "${a}". Valid: --out DIR, --ui-dir DIR, --skip-ui-build.`);
  }
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    buildServer(parseArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`build:server: ${e instanceof BuildError ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
