// Headless entry (`npm run serve`, `hybrid-ai serve`, and the process the desktop shell starts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isCoreError } from '../errors.js';
import type { TaskwarriorSyncer } from '../host/taskwarrior.js';
import { prepareFeatureIndexInSlices } from '../routing/features.js';
import { loadConfig, usage } from './config.js';
import { compactHeap, SETTLE_AFTER_MS } from './heap-settle.js';
import { createCore, type Core } from './wiring.js';

/** How long in-flight requests get to finish on SIGINT/SIGTERM before they are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/** Start the server; resolves with the running core and the URL once it listens. */
export async function startServer(argv: string[]): Promise<{ core: Core; url: string; stop: () => Promise<void> } | null> {
  const config = loadConfig(argv);
  if (config === 'help') {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  // Nothing the first request can do without waits for it: hardware detection and the Ollama process start once
  // the server listens.
  const core = await createCore(config, { deferBackground: true });
  try {
    await core.app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await core.close().catch(() => undefined);
    throw e;
  }
  // Listening: now the background work, and what the first chat needs but /health does not (the keyword index,
  // ~tens of ms, built in slices so the first requests are answered between them; a chat that comes first finishes
  // it itself).
  core.startBackground();
  void prepareFeatureIndexInSlices();
  // Start-up done (detection is the last of it): give back the memory its bursts made V8 reserve (see compactHeap).
  let settle: NodeJS.Timeout | undefined;
  void core.hardwareReady
    .catch(() => undefined)
    .then(() => {
      if (stopping) return;
      settle = setTimeout(compactHeap, SETTLE_AFTER_MS);
      settle.unref();
    });
  const addr = core.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  // Optional: every request also lands in Taskwarrior (loaded only when asked for).
  let taskwarrior: TaskwarriorSyncer | undefined;
  if (config.taskwarriorSyncS) {
    const { startTaskwarriorSync } = await import('../host/taskwarrior.js');
    taskwarrior = startTaskwarriorSync({
      recent: (n) => core.ledger.recent(n),
      intervalS: config.taskwarriorSyncS,
      log: core.logger,
    });
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const timer = setTimeout(() => {
        core.logger.warn('in-flight requests did not finish in time; closing connections');
        core.app.server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      timer.unref();
      clearTimeout(settle);
      await core.app.close();
      clearTimeout(timer);
      await taskwarrior?.stop();
      await core.close();
    })());
  return { core, url, stop };
}

/** What {@link startBanner} prints from. */
export interface BannerInput {
  url: string;
  /** "tier 3: 8 GB RAM, no GPU" */
  tier: string;
  token: string;
  /** The token file in the data dir; undefined when HYBRID_AI_TOKEN set the token. */
  tokenFile?: string;
  tokenCreated: boolean;
  /** stdout is a terminal a person reads (not a pipe, file, journal or the desktop shell's log). */
  interactive: boolean;
}

/**
 * The start banner. The ready-to-open link carries the token only on an interactive terminal: anywhere else stdout is
 * kept (the desktop shell's core.log, journald, `docker logs`, CI output), so the banner says where the token is instead.
 */
export function startBanner(b: BannerInput): string {
  const where = b.tokenFile ? `in ${b.tokenFile}` : 'the value of HYBRID_AI_TOKEN';
  const bearer = b.interactive ? b.token : b.tokenFile ? `$(cat '${b.tokenFile}')` : '$HYBRID_AI_TOKEN';
  return [
    `Hybrid AI Stack ${b.url}  (${b.tier})`,
    b.interactive ? `Open the app: ${b.url}/#token=${b.token}` : `Open the app: ${b.url}/  (it asks for the API token: ${where})`,
    b.tokenCreated && b.tokenFile ? `A new API token was created and saved in ${b.tokenFile}` : '',
    `API: curl -H "Authorization: Bearer ${bearer}" -H "Content-Type: application/json" -d '{"prompt":"hello"}' ${b.url}/api/v1/chat`,
    '',
  ]
    .filter((l, i, a) => l !== '' || i === a.length - 1)
    .join('\n');
}

/** The banner's tier words: the reason alone when it already names the tier ("… → tier 3"), else "tier N: reason". */
export function tierText(t: { tier: number; reason: string }): string {
  return new RegExp(`\\btier ${t.tier}\\b`).test(t.reason) ? t.reason : `tier ${t.tier}: ${t.reason}`;
}

/** True when the desktop shell started this process (it reads the ready message, and keeps stdout in a log). */
function underShell(): boolean {
  return shellPort() !== undefined || typeof process.send === 'function';
}

async function main(): Promise<void> {
  let started: Awaited<ReturnType<typeof startServer>>;
  try {
    started = await startServer(process.argv.slice(2));
  } catch (e) {
    const msg = isCoreError(e)
      ? e.message
      : (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `The port is already in use: ${(e as Error).message}. Choose another with --port.`
        : `Could not start: ${(e as Error).message}`;
    process.stderr.write(`hybrid-ai: ${msg}\n`);
    process.exit(2);
  }
  if (!started) return;
  const { core, url, stop } = started;
  // The desktop shell (child/utility process) learns where the core listens through this message: at once, since
  // it needs only the URL and the token (hardware detection, which the banner waits for, can take a second).
  const ready = { type: 'ready', url, token: core.token };
  process.send?.(ready);
  shellPort()?.postMessage(ready);
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    // Once: Ctrl-C in a terminal reaches every process of the group, so `npm run serve` (scripts/serve.mjs) passes on
    // the SIGINT this process also got itself; a second signal must not cut the graceful stop short.
    if (stopping) return;
    stopping = true;
    core.logger.info({ signal: sig }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        core.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The desktop shell asks for a graceful stop with {type:'shutdown'} (Windows has no SIGTERM for it to send).
  const onShellMessage = (m: unknown): void => {
    if ((m as { type?: unknown } | null)?.type === 'shutdown') onSignal('SIGTERM');
  };
  process.on('message', onShellMessage);
  shellPort()?.on('message', (e) => onShellMessage(e.data));
  // Detection takes well under a second; the banner should show the tier it found.
  await core.hardwareReady;
  const t = core.tier;
  process.stdout.write(
    startBanner({
      url,
      tier: tierText(t),
      token: core.token,
      tokenFile: core.config.token ? undefined : path.join(core.config.dataDir, 'api-token'),
      tokenCreated: core.tokenCreated,
      interactive: process.stdout.isTTY === true && !underShell(),
    }),
  );
}

/** Electron's utility process talks through process.parentPort (it has no process.send); undefined elsewhere. */
function shellPort(): { postMessage(m: unknown): void; on(ev: 'message', l: (e: { data: unknown }) => void): void } | undefined {
  return (process as { parentPort?: ReturnType<typeof shellPort> }).parentPort;
}

// Run when executed directly, or as the entry of the desktop shell's utility process (its argv differs from Node's).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href || shellPort() !== undefined) void main();

export { main };
