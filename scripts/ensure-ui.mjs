// Before `npm run serve`: build the UI (vite build → dist/renderer) when it is missing or older than its sources.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const outDir = path.join(dist, 'renderer');
const built = path.join(outDir, 'index.html');
const lockFile = path.join(dist, '.renderer-build.lock');
/** What the bundle is made of: the renderer's sources, the build config and the locked dependency versions. */
const sources = ['renderer', 'vite.config.ts', 'tsconfig.web.json', 'package-lock.json'].map((p) => path.join(root, p));
/** A build takes seconds; a lock older than this was left by a killed build and is taken over. */
const STALE_LOCK_MS = 120_000;
/** How often a second builder (parallel test files, two `serve`s) checks whether the first one finished. */
const LOCK_POLL_MS = 200;

/** Newest modification time (ms) under `p`, files and folders alike. */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of readdirSync(p)) t = Math.max(t, newest(path.join(p, e)));
  return t;
}

const isFresh = () => existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest));

async function lock() {
  mkdirSync(dist, { recursive: true });
  for (;;) {
    try {
      closeSync(openSync(lockFile, 'wx'));
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > STALE_LOCK_MS) rmSync(lockFile, { force: true });
      } catch {
        // Released between the two calls: try again.
      }
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
}

if (isFresh()) process.exit(0);
await lock();
try {
  // Another process may have built it while this one waited for the lock.
  if (!isFresh()) {
    process.stderr.write(existsSync(built) ? 'Rebuilding the UI (sources changed)…\n' : 'Building the UI (first run)…\n');
    // Build beside the served folder and swap it in, so a running server never serves a half-written UI.
    const tmp = path.join(dist, `renderer.build-${process.pid}`);
    const old = path.join(dist, `renderer.old-${process.pid}`);
    const { build } = await import('vite');
    await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(tmp, outDir);
    rmSync(old, { recursive: true, force: true });
    process.stderr.write('UI built into dist/renderer.\n');
  }
} catch (e) {
  // The server still starts: the API works and / explains how to build the UI.
  process.stderr.write(
    `Could not build the UI: ${e instanceof Error ? e.message : String(e)}\nStarting the API anyway; run \`npm run build:ui\` to see the full error.\n`,
  );
} finally {
  rmSync(lockFile, { force: true });
}
