// `npm run build:electron`: the desktop shell's main process (ESM) and sandboxed preload (one CommonJS file) into dist/electron.
//
// Vite (already the UI's bundler) builds both. The main process keeps `electron` and every npm/Node import external
// (they load at run time from the app's node_modules). The preload is bundled into ONE file with only `electron`
// external, because a sandboxed preload can require nothing else (not even its own ipc-contract module).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const outDir = path.join(root, 'dist', 'electron');

/** Build both bundles; returns the files written. */
export async function buildElectron(
  opts: { outDir?: string; logLevel?: 'silent' | 'warn' | 'info' } = {},
): Promise<{ main: string; preload: string }> {
  const out = opts.outDir ?? outDir;
  const logLevel = opts.logLevel ?? 'warn';
  const node = /^node:|^[^./]/; // node built-ins and npm packages stay imports
  await build({
    configFile: false,
    root,
    logLevel,
    build: {
      outDir: out,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      ssr: true,
      rollupOptions: {
        input: { main: path.join(root, 'electron', 'main.ts') },
        external: (id) => node.test(id),
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  });
  await build({
    configFile: false,
    root,
    logLevel,
    build: {
      outDir: out,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      sourcemap: false,
      ssr: true,
      rollupOptions: {
        input: { preload: path.join(root, 'electron', 'preload.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  });
  return { main: path.join(out, 'main.js'), preload: path.join(out, 'preload.cjs') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildElectron().then(
    (r) => process.stdout.write(`Desktop shell built: ${path.relative(root, r.main)}, ${path.relative(root, r.preload)}\n`),
    (e: unknown) => {
      process.stderr.write(`build:electron failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
