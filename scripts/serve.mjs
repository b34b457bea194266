// `npm run serve`: build the UI when needed (ensure-ui.mjs), then run the server as this process's only child and stop
// it when this process is told to stop.
//
// How a stop reaches the server, whoever is signalled:
//   - npm (a process manager's `kill PID`, a terminal multiplexer's `kill -INT PID`): npm passes SIGINT and SIGTERM to
//     the process it started, and only to it. It starts the script under `sh -c`; dash (Debian's sh) does not replace
//     itself with the command, and while it waits for it, it swallows SIGINT (it would exit only after its child), so
//     the server kept running and holding the port. The script is therefore `exec node scripts/serve.mjs`: the shell
//     becomes this process, npm's own child, and npm's signal arrives here. (On Windows, cmd.exe runs exec.cmd, which
//     runs the rest of the line; Windows has no such signals to pass on.)
//   - this process (SIGINT, SIGTERM, SIGHUP): passed on to the server;
//   - the whole group (Ctrl-C in a terminal): the server and this process both get it; the server stops once;
//   - whoever started this going away without a word (npm killed, a shell that does not exec) is noticed by the parent
//     PID changing, and handled as SIGTERM.
// Why a script and not `ensure-ui && tsx main.ts`: the server runs as `node --import tsx`, one process (under tsx's own
// wrapper it was two processes down). The server's graceful stop ends in-flight requests first
// (router-core/server/main.ts); this process then exits with the server's status.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** How often the parent is checked. why: a stop is noticed within a quarter second, at no measurable cost. */
const PARENT_POLL_MS = 250;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The process running now (ensure-ui, then the server), and the signal that asked us to stop, if one did. */
let child;
let stopping;
const parent = process.ppid;

function stop(signal) {
  if (stopping) return;
  stopping = signal;
  // SIGHUP (the terminal closed) is passed on as SIGTERM: the server stops gracefully on SIGINT and SIGTERM only.
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  else process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
}
for (const s of SIGNALS) process.on(s, () => stop(s));
const watch = setInterval(() => {
  if (process.ppid !== parent) stop('SIGTERM');
}, PARENT_POLL_MS);
watch.unref();

/** Run `args` with this Node as this process's child (`label` names it); resolves with its exit code (128 + n for a signal). */
function run(label, args) {
  return new Promise((resolve) => {
    child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.once('error', (e) => {
      process.stderr.write(`hybrid-ai: could not start ${label}: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      // The server stops by exiting (0 after a graceful stop); ended by a signal, its stop was cut short.
      if (signal) process.stderr.write(`hybrid-ai: ${label} was ended by ${signal} without a clean stop.\n`);
      resolve(code ?? 128 + ({ SIGINT: 2, SIGHUP: 1, SIGKILL: 9 }[signal] ?? 15));
    });
  });
}

// The UI: not built when HYBRID_AI_UI_DIR names another to serve (dist/renderer would not be served).
if (!process.env.HYBRID_AI_UI_DIR) {
  const code = await run('the UI build', [path.join(root, 'scripts', 'ensure-ui.mjs')]);
  if (stopping) process.exit(code);
  // ensure-ui reports its own failures and lets the API start anyway; a non-zero exit is a crash, so stop here.
  if (code !== 0) process.exit(code);
}
const tsx = import.meta.resolve('tsx');
const code = await run('the server', ['--import', tsx, path.join(root, 'router-core', 'server', 'main.ts'), ...process.argv.slice(2)]);
process.exit(code);
