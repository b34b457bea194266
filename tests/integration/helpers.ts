// Test helpers: a core on a real loopback port with a temp data dir and captured logs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import type { SyncLedger } from '../../router-core/ledger/ledger.js';
import { isSqliteLedger } from '../../router-core/ledger/sqlite.js';
import { loadConfig, type Config } from '../../router-core/server/config.js';
import { createCore, type Core } from '../../router-core/server/wiring.js';
import { redactPaths } from '../../router-core/server/logger.js';

export const TOKEN = 'test-token-0123456789abcdef';

/**
 * The core as tests see it: the same object, but `ledger` is the SQLite store's synchronous face (tests read rows
 * right after a request without an await per assertion; it shares the store's caches). The server itself uses
 * the async Ledger (`asyncLedger` here). Settings are written through `core.settings`, which the server reads.
 */
export type TestCore = Omit<Core, 'ledger'> & { ledger: Omit<SyncLedger, 'setSetting'>; asyncLedger: Core['ledger'] };

export interface TestServer {
  core: TestCore;
  url: string;
  port: number;
  logs: string[];
  dataDir: string;
  auth: Record<string, string>;
  close(): Promise<void>;
}

/** Start a core on 127.0.0.1:0. `engines` replaces the real registry when given. */
export async function startTestServer(
  opts: { env?: NodeJS.ProcessEnv; args?: string[]; engines?: Map<EngineId, Engine>; now?: () => number } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hai-test-'));
  const config = loadConfig(['--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])], {
    HYBRID_AI_TOKEN: TOKEN,
    OLLAMA_HOST: '127.0.0.1:9',
    // Hermetic on machines with Ollama installed: never start an `ollama serve` unless a test asks for it.
    HYBRID_AI_MANAGE_OLLAMA: 'off',
    // Hermetic on desktops: never read the developer's real keychain (tests/integration/secrets.test.ts turns it on).
    HYBRID_AI_KEYCHAIN: 'off',
    ...opts.env,
  }) as Config;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: redactPaths, censor: '[redacted]' } }, sink);
  const core = await createCore(config, { logger, engines: opts.engines, now: opts.now });
  await core.app.listen({ port: 0, host: '127.0.0.1' });
  const ledger = core.ledger;
  if (!isSqliteLedger(ledger)) throw new Error('startTestServer runs on the SQLite ledger (PostgreSQL tests start server processes).');
  const testCore = new Proxy(core, {
    get: (target, prop) => (prop === 'ledger' ? ledger.sync : prop === 'asyncLedger' ? ledger : Reflect.get(target, prop, target)),
  }) as unknown as TestCore;
  const addr = core.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    core: testCore,
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    dataDir,
    auth: { authorization: `Bearer ${TOKEN}` },
    async close() {
      // Clients may leave a pre-opened keep-alive socket that never sends a request; the server's own
      // shutdown cuts those after a grace period, and so do the tests (sooner).
      const cut = setTimeout(() => core.app.server.closeAllConnections(), 500);
      await core.app.close();
      clearTimeout(cut);
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Read an SSE body into [{event, data}] frames. */
export function parseSse(text: string): Array<{ event: string | null; data: string }> {
  return text
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      const lines = f.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? null;
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data };
    });
}
