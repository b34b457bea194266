// Stand-in for the `ollama` executable (`ollama serve`), tests only: a real process serving the HTTP stand-in on OLLAMA_HOST.
//
// Started through the executable shim tests/stand-ins/bin/ollama. Behaviour is scripted through the environment:
//   STANDIN_OLLAMA_LOG=file            append one JSON line per event (start, ready, sigterm, crash, hang, exit)
//   STANDIN_OLLAMA_START_DELAY_MS=n    wait n ms before listening (slow to start)
//   STANDIN_OLLAMA_FAIL_STARTS=n       the first n starts (counted in the log) exit 1 at once (crash on start)
//   STANDIN_OLLAMA_IGNORE_SIGTERM=1    ignore SIGTERM (forces the manager's SIGKILL)
// and at run time through signals: SIGUSR1 = crash now (exit 3), SIGUSR2 = hang (stop answering, ignore SIGTERM).
import { appendFileSync, readFileSync } from 'node:fs';
import { startOllamaStandIn } from './ollama-server.js';

const logFile = process.env.STANDIN_OLLAMA_LOG;
const log = (event: string, extra: Record<string, unknown> = {}): void => {
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ event, pid: process.pid, t: Date.now(), ...extra })}\n`);
};
const previousStarts = (): number => {
  if (!logFile) return 0;
  try {
    return readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event":"start"')).length;
  } catch {
    return 0;
  }
};

const [cmd] = process.argv.slice(2);
if (cmd === '--version' || cmd === '-v') {
  process.stdout.write('ollama version is 0.12.6\n');
  process.exit(0);
}
if (cmd !== 'serve') {
  process.stderr.write(`Error: unknown command "${cmd ?? ''}" for "ollama" (the stand-in only knows serve and --version)\n`);
  process.exit(1);
}

const host = process.env.OLLAMA_HOST ?? '127.0.0.1:11434';
const port = Number(/:(\d+)$/.exec(host)?.[1] ?? 11434);
const failStarts = Number(process.env.STANDIN_OLLAMA_FAIL_STARTS ?? 0);
const started = previousStarts();
log('start', {
  host,
  models: process.env.OLLAMA_MODELS ?? null,
  numParallel: process.env.OLLAMA_NUM_PARALLEL ?? null,
  argv: process.argv.slice(2),
  envKeys: Object.keys(process.env).sort(),
});
if (started < failStarts) {
  process.stderr.write(`Error: stand-in start ${started + 1} of ${failStarts} told to fail\n`);
  process.exit(1);
}

let hung = false;
process.on('SIGTERM', () => {
  log('sigterm');
  if (process.env.STANDIN_OLLAMA_IGNORE_SIGTERM === '1' || hung) return;
  log('exit', { code: 0 });
  process.exit(0);
});
process.on('SIGUSR1', () => {
  log('crash');
  process.stderr.write('panic: stand-in told to crash\n');
  process.exit(3);
});
process.on('SIGUSR2', () => {
  log('hang');
  hung = true;
  // Block the event loop: no request is answered and no JS signal handler runs again (only SIGKILL ends it).
  for (;;) {
    /* hang */
  }
});

const delay = Number(process.env.STANDIN_OLLAMA_START_DELAY_MS ?? 0);
if (delay > 0) await new Promise((r) => setTimeout(r, delay));
const server = await startOllamaStandIn({ port, tokenDelayMs: 0 });
process.stderr.write(`Listening on ${server.host} (stand-in)\n`);
log('ready', { url: server.url });
