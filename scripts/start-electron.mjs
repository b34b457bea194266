// `npm start`: the desktop app through the Electron binary when it is installed; otherwise says so and how to use the served UI.
// Never downloads anything (require('electron') would try to fetch the binary from GitHub).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = path.join(root, 'node_modules', 'electron');

/** Where the electron package keeps (or would keep) its binary; same rules as its index.js, minus the download. */
function electronBinary() {
  const pathFile = path.join(pkgDir, 'path.txt');
  const fallback = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform] ?? 'electron';
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : fallback;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, name);
  return existsSync(pathFile) ? path.join(pkgDir, 'dist', name) : null;
}

const binary = electronBinary();
if (!binary || !existsSync(binary)) {
  process.stderr.write(
    [
      'The Electron desktop binary is not installed here, so the desktop app cannot start.',
      `  (looked for ${binary ?? path.join(pkgDir, 'dist', '…')}; the electron package downloads it from GitHub at install time)`,
      '',
      'Use the same app in your browser instead, served by the core:',
      '  npm run serve        then open the "Open the app" link it prints (http://127.0.0.1:8787/#token=…)',
      '',
      'To run the desktop app: on a machine with internet access, `npx install-electron` (or reinstall the',
      'electron package) fetches the binary; or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding it.',
      'Installers: `npm run build:app` (electron-builder) on a machine that can download Electron.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

// The core serves the UI; the shell loads it from there: build both when needed, then start Electron on the repo.
for (const step of [
  ['node', [path.join(root, 'scripts', 'ensure-ui.mjs')]],
  ['npx', ['tsx', path.join(root, 'scripts', 'build-electron.ts')]],
]) {
  const r = spawnSync(step[0], step[1], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
