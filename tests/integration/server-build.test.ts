// The server bundle (npm run build:server) built once, then started with plain node exactly as the image's CMD and the systemd unit start it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInLock, type PackageLock } from '../../scripts/build-server.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { PG_TEST_PASSWORD, postgresSkipReason, startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';

const repo = path.resolve('.');
const TOKEN = 'bundle-test-token-0123456789';
const CLAUDE_KEY = 'sk-ant-standin-key';

let tmp: string;
let bundle: string;
let gguf: string;
let claude: AnthropicStandIn;
let pgServer: TestPostgres | undefined;
let buildLog = '';

/** A bundle server process and everything it printed. */
interface Running {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}
const running: Running[] = [];

/** The argv of the image's CMD (JSON form), read from the Dockerfile. */
function dockerCmd(): string[] {
  const line = readFileSync('server-images/Dockerfile', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('CMD '))!;
  return JSON.parse(line.slice(4)) as string[];
}

/** The runtime stage's ENV (the last ENV instruction of the Dockerfile, continuations joined). */
function dockerEnv(): Record<string, string> {
  const text = readFileSync('server-images/Dockerfile', 'utf8').replace(/\\\n\s*/g, ' ');
  const line = text
    .split('\n')
    .filter((l) => l.startsWith('ENV '))
    .at(-1)!;
  return Object.fromEntries(
    line
      .slice(4)
      .trim()
      .split(/\s+/)
      .map((kv) => kv.split('=') as [string, string]),
  );
}

/** ExecStart and Environment= of the systemd unit, with the install paths mapped onto this bundle. */
function systemdStart(credentialsDir: string): { argv: string[]; env: Record<string, string> } {
  const unit = readFileSync('server-images/vm/hybrid-ai.service', 'utf8');
  const map = (s: string): string => s.replaceAll('/opt/hybrid-ai/server', bundle).replaceAll('%d', credentialsDir);
  const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ').map(map);
  const env: Record<string, string> = {};
  for (const [, k, v] of unit.matchAll(/^Environment=([A-Z0-9_]+)=(.*)$/gm)) env[k!] = map(v!);
  return { argv: exec, env };
}

/** Start `node <script>` in the bundle; resolves once it printed its URL, rejects if it exits first. */
function start(argv: string[], env: Record<string, string>): Promise<Running> {
  const [node, ...args] = argv;
  // The image runs `node`, the unit /usr/bin/node: the same Node as this test either way.
  expect(['node', '/usr/bin/node']).toContain(node);
  const proc = spawn(process.execPath, args, {
    cwd: bundle,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const r: Running = { proc, url: '', stdout: () => out, stderr: () => err };
  running.push(r);
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const m = /Hybrid AI Stack (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        proc.stdout!.off('data', onData);
        r.url = m[1]!;
        resolve(r);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`bundle exited with ${code} before listening:\n${err}\n${out}`)));
  });
}

/** Run the bundle expecting it to refuse to start; returns exit code and stderr. */
function refuse(env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, dockerCmd().slice(1), {
    cwd: bundle,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmp,
      HYBRID_AI_PORT: '0',
      HYBRID_AI_DATA_DIR: path.join(tmp, 'refused'),
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stderr: r.stderr };
}

async function stop(r: Running): Promise<number | null> {
  if (r.proc.exitCode !== null) return r.proc.exitCode;
  const exited = new Promise<number | null>((resolve) => r.proc.once('exit', (code) => resolve(code)));
  r.proc.kill('SIGTERM');
  return exited;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-bundle-'));
  bundle = path.join(tmp, 'bundle');
  // A built UI to bundle: the real one comes from `npm run build:ui`; this test must not race other tests that
  // rebuild dist/renderer, so it hands the build script a small prebuilt UI of its own.
  const ui = path.join(tmp, 'ui');
  mkdirSync(path.join(ui, 'assets'), { recursive: true });
  writeFileSync(
    path.join(ui, 'index.html'),
    '<!doctype html><title>Hybrid AI</title><script type="module" src="./assets/app-1a2b3c.js"></script>\n',
  );
  writeFileSync(path.join(ui, 'assets/app-1a2b3c.js'), 'console.log("ui");\n');
  // Exactly what `npm run build:server` runs, minus the UI build (see above).
  const build = spawnSync(
    process.execPath,
    [path.join(repo, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build-server.ts', '--out', bundle, '--skip-ui-build', '--ui-dir', ui],
    { cwd: repo, encoding: 'utf8', timeout: 240_000 },
  );
  buildLog = build.stdout + build.stderr;
  if (build.status !== 0) throw new Error(`build:server failed:\n${buildLog}`);
  // node_modules holding ONLY the bundle's declared dependencies (links into the repo's install): an import of
  // anything undeclared fails to resolve, as it would after `npm ci --omit=dev` in the image.
  const pkg = JSON.parse(readFileSync(path.join(bundle, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(pkg.dependencies)) {
    const link = path.join(bundle, 'node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(repo, 'node_modules', name), link, 'dir');
  }
  gguf = (await makeTinyGguf(path.join(tmp, 'tiny.gguf'))).path;
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 0 });
  // The same bundle once more with its ledger on a real PostgreSQL (in CI a missing PostgreSQL fails here).
  if (!postgresSkipReason) pgServer = await startPostgres();
}, 300_000);

afterAll(async () => {
  await Promise.all(running.map(stop));
  await claude?.close();
  await pgServer?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm run build:server: the bundle', () => {
  it('is plain JavaScript with no sources, tests or TypeScript-only loaders', () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        if (n === 'node_modules') continue;
        const p = path.join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(path.relative(bundle, p));
      }
    };
    walk(bundle);
    expect(files).toContain('router-core/server/main.js');
    expect(files).toContain('router-core/engines/llamacpp.worker.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => /\.test\.js$/.test(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['deploy/vm/install.sh', 'deploy/vm/hybrid-ai.service', 'dist/renderer/index.html']));
  });

  it('declares only runtime dependencies, at the versions the tests ran with', () => {
    const pkg = JSON.parse(readFileSync(path.join(bundle, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      type: string;
      main: string;
    };
    const root = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const rootLock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as PackageLock;
    expect(pkg.type).toBe('module');
    expect(pkg.main).toBe(dockerCmd()[1]);
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(['better-sqlite3', 'fastify', 'node-llama-cpp', 'pino', 'prom-client']),
    );
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      expect(root.dependencies[name], `${name} is a runtime dependency of the repo`).toBeDefined();
      expect(version).toBe(rootLock.packages[`node_modules/${name}`]!.version);
    }
    for (const dev of ['tsx', 'typescript', 'vitest', 'vite', 'electron', 'react', 'eslint'])
      expect(pkg.dependencies[dev], dev).toBeUndefined();
  });

  it('ships a lock that is the root lock cut to the runtime closure (so npm ci --omit=dev installs what was tested)', () => {
    const lock = JSON.parse(readFileSync(path.join(bundle, 'package-lock.json'), 'utf8')) as PackageLock;
    const rootLock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as PackageLock;
    const pkg = JSON.parse(readFileSync(path.join(bundle, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(lock.packages['']!.dependencies).toEqual(pkg.dependencies);
    const keys = Object.keys(lock.packages).filter((k) => k !== '');
    expect(keys.length).toBeLessThan(Object.keys(rootLock.packages).length / 2);
    for (const k of keys) {
      const e = lock.packages[k]!;
      expect(e.version, k).toBe(rootLock.packages[k]!.version);
      expect(e.integrity, k).toBe(rootLock.packages[k]!.integrity);
      expect(e.dev, k).toBeUndefined();
      // Closed: every required dependency of a kept package resolves inside the pruned lock.
      for (const d of Object.keys(e.dependencies ?? {})) expect(resolveInLock(lock.packages, k, d), `${k} → ${d}`).toBeDefined();
    }
    for (const dev of ['typescript', 'vitest', 'vite', 'electron', 'tsx', 'eslint'])
      expect(lock.packages[`node_modules/${dev}`], dev).toBeUndefined();
  });

  it('passes `npm ci --omit=dev` validation whenever the root lock passes `npm ci` (pruning adds no inconsistency)', () => {
    // Dry run, offline: npm checks package.json against the lock and plans the install without fetching anything.
    const dryRun = (folder: string): { status: number | null; missing: string[] } => {
      const r = spawnSync('npm', ['ci', '--dry-run', '--offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: folder,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, npm_config_update_notifier: 'false' },
      });
      return { status: r.status, missing: [...r.stderr.matchAll(/Missing: (\S+) from lock file/g)].map((m) => m[1]!).sort() };
    };
    const rootCopy = path.join(tmp, 'root-lock');
    mkdirSync(rootCopy, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) writeFileSync(path.join(rootCopy, f), readFileSync(f));
    const lockOnly = path.join(tmp, 'bundle-lock');
    mkdirSync(lockOnly, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) writeFileSync(path.join(lockOnly, f), readFileSync(path.join(bundle, f)));
    const root = dryRun(rootCopy);
    const pruned = dryRun(lockOnly);
    // Whatever the bundle's lock lacks, the root lock lacks too (npm drops other platforms' optional packages
    // from a lock written with node_modules present: npm/cli#4828); with a complete root lock both pass.
    for (const m of pruned.missing) expect(root.missing, `${m} missing only from the pruned lock`).toContain(m);
    if (root.status === 0) expect(pruned.status).toBe(0);
  }, 240_000);

  it('refuses to empty an --out folder that is not a previous bundle', () => {
    const other = path.join(tmp, 'not-a-bundle');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'keep.txt'), 'precious');
    const r = spawnSync(
      process.execPath,
      [path.join(repo, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build-server.ts', '--out', other, '--skip-ui-build'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Refusing to empty .*not-a-bundle: it is not a previous server bundle/);
    expect(readFileSync(path.join(other, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('refuses an unknown build option, naming the valid ones', () => {
    const r = spawnSync(process.execPath, [path.join(repo, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build-server.ts', '--fast'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Unknown option "--fast"\. Valid: --out DIR, --ui-dir DIR, --skip-ui-build\./);
  });
});

// SQLite in the data dir (one gateway), and PostgreSQL as the compose file's replicas profile points the gateways at
// it: the URL without a password in the environment, the password from a Docker secret file.
const ledgers = [
  { ledger: 'sqlite', skip: undefined },
  { ledger: 'postgres', skip: postgresSkipReason },
] as const;

describe.each(ledgers)('the bundle started as the image CMD starts it (plain node, no tsx), ledger on $ledger', ({ ledger, skip }) => {
  if (skip) it.skip(`needs PostgreSQL: ${skip}`, () => undefined);
  else bundleAsImage(ledger);
});

function bundleAsImage(ledger: 'sqlite' | 'postgres'): void {
  let srv: Running;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    const secrets = path.join(tmp, `docker-secrets-${ledger}`);
    mkdirSync(secrets, { recursive: true });
    writeFileSync(path.join(secrets, 'hybrid_ai_token'), `${TOKEN}\n`);
    writeFileSync(path.join(secrets, 'anthropic_api_key'), CLAUDE_KEY);
    const ledgerEnv: Record<string, string> = {};
    if (ledger === 'postgres') {
      writeFileSync(path.join(secrets, 'postgres_password'), `${PG_TEST_PASSWORD}\n`);
      const url = new URL(await pgServer!.createDatabase());
      url.password = '';
      ledgerEnv.HYBRID_AI_LEDGER_URL = url.toString();
      ledgerEnv.HYBRID_AI_LEDGER_PASSWORD_FILE = path.join(secrets, 'postgres_password');
    }
    // The image's ENV and the compose file's environment; the host, port and data dir differ only so the test can
    // run anywhere.
    const imageEnv = dockerEnv();
    expect(imageEnv).toMatchObject({
      NODE_ENV: 'production',
      HYBRID_AI_HOST: '0.0.0.0',
      HYBRID_AI_PORT: '8787',
      HYBRID_AI_DATA_DIR: '/data',
    });
    srv = await start(dockerCmd(), {
      ...imageEnv,
      HYBRID_AI_HOST: '127.0.0.1',
      HYBRID_AI_PORT: '0',
      HYBRID_AI_DATA_DIR: path.join(tmp, `data-docker-${ledger}`),
      HYBRID_AI_TOKEN_FILE: path.join(secrets, 'hybrid_ai_token'),
      ANTHROPIC_API_KEY_FILE: path.join(secrets, 'anthropic_api_key'),
      ANTHROPIC_BASE_URL: claude.url,
      HYBRID_AI_LOCAL_MODEL: gguf,
      HYBRID_AI_THREADS: '1',
      HYBRID_AI_DAILY_BUDGET_USD: '5',
      OLLAMA_HOST: '127.0.0.1:9',
      LOG_LEVEL: 'info',
      ...ledgerEnv,
    });
  }, 60_000);

  it('answers /health and /ready (ledger writable, the embedded engine has a model)', async () => {
    const health = await fetch(`${srv.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'hybrid-ai-stack' });
    const ready = await fetch(`${srv.url}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; ledger: boolean; engines: Record<string, { ok: boolean }> };
    expect(body).toMatchObject({ status: 'ready', ledger: true, ledger_store: ledger });
    expect(body.engines.llamacpp!.ok).toBe(true);
    expect(body.engines.ollama!.ok).toBe(false);
  });

  it('answers a chat with real llama.cpp inference on the tiny GGUF (the compiled worker thread)', async () => {
    const r = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi', model: 'tinyllama', max_tokens: 8 }),
    });
    const body = (await r.json()) as { response: string; engine: string; usage: { output_tokens: number } };
    expect(r.status).toBe(200);
    expect(body.engine).toBe('llamacpp');
    expect(body.usage.output_tokens).toBeGreaterThan(0);
    expect(body.response.length).toBeGreaterThan(0);
  });

  it('answers a cloud chat with the Claude key read from its secret file', async () => {
    const r = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Explain TCP slow start', model: 'claude-sonnet', max_tokens: 16 }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ engine: 'anthropic', model: 'claude-sonnet' });
    // The stand-in accepts only CLAUDE_KEY (x-api-key or bearer): the 200 above already says the file was read.
    const h = claude.requests.at(-1)!.headers;
    expect(h['x-api-key'] === CLAUDE_KEY || h.authorization === `Bearer ${CLAUDE_KEY}`).toBe(true);
  });

  it('requires the token from the secret file on the API, not on /health', async () => {
    expect((await fetch(`${srv.url}/api/v1/stats`)).status).toBe(401);
    expect((await fetch(`${srv.url}/api/v1/stats`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${srv.url}/api/v1/stats`, { headers: auth })).status).toBe(200);
  });

  it('serves the bundled UI at / with the CSP, and its hashed assets', async () => {
    const page = await fetch(`${srv.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('./assets/app-1a2b3c.js');
    const asset = await fetch(`${srv.url}/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toContain('console.log("ui")');
  });

  it('logs one JSON line per request, each with its request id, and never the token or the key', async () => {
    const chat = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello', model: 'tinyllama', max_tokens: 4 }),
    });
    const chatId = chat.headers.get('x-request-id');
    expect(chatId).toMatch(/^[0-9a-f-]{36}$/);
    await chat.text();
    const stats = await fetch(`${srv.url}/api/v1/stats?range=nope`, { headers: auth });
    expect(stats.status).toBe(400);
    const refused = await fetch(`${srv.url}/api/v1/models`);
    expect(refused.status).toBe(401);
    // pino writes asynchronously: wait until the three lines are out.
    const deadline = Date.now() + 10_000;
    const lines = (): Array<Record<string, unknown>> =>
      srv
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const want = (): boolean =>
      lines().some((l) => l.msg === 'request' && l.reqId === chatId) &&
      lines().some((l) => l.msg === 'http' && l.url === '/api/v1/stats' && l.status === 400) &&
      lines().some((l) => l.msg === 'http' && l.url === '/api/v1/models' && l.status === 401);
    while (!want() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(want()).toBe(true);
    // The pipeline's line and the access lines carry the request id (startup and shutdown lines have none to carry).
    for (const l of lines().filter((x) => x.msg === 'request' || x.msg === 'http'))
      expect(l.reqId, JSON.stringify(l)).toMatch(/^[0-9a-f-]{36}$/);
    const all = srv.stdout() + srv.stderr();
    expect(all).not.toContain(CLAUDE_KEY);
    expect(all).not.toContain(PG_TEST_PASSWORD);
    expect(all.replace(`#token=${TOKEN}`, '').replace(`Bearer ${TOKEN}`, '')).not.toContain(TOKEN);
  });

  it('exports every metric, and every label, that the Grafana dashboard and the alert rules query', async () => {
    const text = await (await fetch(`${srv.url}/metrics`, { headers: auth })).text();
    // metric family → label names seen on its samples
    const families = new Map<string, Set<string>>();
    for (const [, name] of text.matchAll(/^# TYPE (\S+) \S+$/gm)) families.set(name!, new Set());
    for (const [, name, labels] of text.matchAll(/^([a-zA-Z_:][\w:]*)\{([^}]*)\} /gm)) {
      const family = families.has(name!) ? name! : name!.replace(/_(bucket|sum|count)$/, '');
      for (const [, l] of labels!.matchAll(/(\w+)="/g)) families.get(family)?.add(l!);
    }
    const dashboard = JSON.parse(readFileSync('server-images/grafana/dashboards/hybrid-ai.json', 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const alerts = load(readFileSync('server-images/prometheus/alerts.yml', 'utf8')) as {
      groups: Array<{ rules: Array<{ expr: string }> }>;
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    const problems: string[] = [];
    let checked = 0;
    for (const e of exprs) {
      for (const [, metric, selector] of e.matchAll(/\b(api_gateway_\w+)(?:\{([^}]*)\})?/g)) {
        checked++;
        const isBucket = metric!.endsWith('_bucket');
        const family = families.has(metric!) ? metric! : metric!.replace(/_(bucket|sum|count)$/, '');
        const labels = families.get(family);
        if (!labels) {
          problems.push(`${metric} is not exported`);
          continue;
        }
        for (const [, l] of (selector ?? '').matchAll(/(\w+)\s*(?:=|!=|=~|!~)/g))
          if (!labels.has(l!)) problems.push(`${family} has no label ${l}`);
        // `by (...)` right after an aggregation over this metric's expression: labels it groups by must exist.
        const by = /\bby \(([^)]*)\) \((?:rate|increase)\(api_gateway_\w+/.exec(e);
        if (by && e.includes(metric!))
          for (const l of by[1]!.split(',').map((x) => x.trim()))
            if (!labels.has(l) && !(isBucket && l === 'le')) problems.push(`${family} has no label ${l} (by)`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(problems).toEqual([]);
    expect(text).toMatch(/^api_gateway_engine_up\{engine="llamacpp"\} 1$/m);
    expect(text).toMatch(/^api_gateway_engine_up\{engine="ollama"\} 0$/m);
    expect(text).toMatch(/^api_gateway_budget_usd\{period="day"\} 5$/m);
    expect(text).toMatch(/^api_gateway_cloud_spend_usd\{period="day"\} \d+(\.\d+)?$/m);
  });

  it("the image's HEALTHCHECK command passes against it, and fails when nothing listens", () => {
    const text = readFileSync('server-images/Dockerfile', 'utf8').replace(/\\\n\s*/g, ' ');
    const hc = /^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(text)!;
    const [node, ...args] = JSON.parse(hc[1]!) as string[];
    expect(node).toBe('node');
    const port = new URL(srv.url).port;
    const ok = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH, HYBRID_AI_PORT: port }, timeout: 10_000 });
    expect(ok.status).toBe(0);
    // Port 9 (discard) has no HTTP server here: the check must report unhealthy, not hang or crash.
    const down = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH, HYBRID_AI_PORT: '9' }, timeout: 10_000 });
    expect(down.status).toBe(1);
  });

  it('stops cleanly on SIGTERM (docker stop)', async () => {
    expect(await stop(srv)).toBe(0);
  });
}

describe('the bundle started as the systemd unit starts it', () => {
  it('reads its secrets through fetch-secrets.sh and LoadCredential, binds loopback and is ready', async () => {
    // hybrid-ai-secrets.service: fetch-secrets.sh (file provider here) writes the credentials systemd hands over.
    const src = path.join(tmp, 'secret-manager');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'token'), TOKEN);
    const creds = path.join(tmp, 'credentials');
    const fetched = spawnSync('bash', [path.join(bundle, 'deploy/vm/fetch-secrets.sh')], {
      env: {
        PATH: process.env.PATH,
        HYBRID_AI_SECRETS_PROVIDER: 'file',
        HYBRID_AI_TOKEN_SECRET: path.join(src, 'token'),
        HYBRID_AI_SECRETS_DIR: creds,
      },
      encoding: 'utf8',
    });
    expect(fetched.status).toBe(0);
    const { argv, env } = systemdStart(creds);
    expect(env).toMatchObject({ HYBRID_AI_HOST: '127.0.0.1', HYBRID_AI_PORT: '8787', NODE_ENV: 'production' });
    // The unit's EnvironmentFile adds the tier etc.; the port and data dir differ only so the test can run anywhere.
    const srv = await start(argv, {
      ...env,
      HYBRID_AI_PORT: '0',
      HYBRID_AI_DATA_DIR: path.join(tmp, 'data-systemd'),
      HYBRID_AI_TIER: '2',
      HYBRID_AI_ALLOWED_HOSTS: 'ai.example.com',
      HYBRID_AI_LOCAL_MODEL: gguf,
      HYBRID_AI_THREADS: '1',
      OLLAMA_HOST: '127.0.0.1:9',
    });
    expect((await fetch(`${srv.url}/ready`)).status).toBe(200);
    // Behind Caddy the Host header is the domain: accepted; any other name is refused (DNS rebinding).
    const port = new URL(srv.url).port;
    const viaCaddy = spawnSync(
      'curl',
      ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: ai.example.com', `http://127.0.0.1:${port}/health`],
      { encoding: 'utf8' },
    );
    const foreign = spawnSync(
      'curl',
      ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: evil.example', `http://127.0.0.1:${port}/health`],
      { encoding: 'utf8' },
    );
    expect([viaCaddy.stdout, foreign.stdout]).toEqual(['200', '403']);
    const stats = await fetch(`${srv.url}/api/v1/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stats.status).toBe(200);
    // No Claude secret: the empty credential means no cloud engine.
    const ready = (await (await fetch(`${srv.url}/ready`)).json()) as { engines: Record<string, { ok: boolean }> };
    expect(ready.engines.anthropic!.ok).toBe(false);
    expect(await stop(srv)).toBe(0);
  }, 60_000);
});

describe('the bundle refuses a bad configuration with a message naming the field', () => {
  it('beyond loopback without a token', () => {
    const r = refuse({ HYBRID_AI_HOST: '0.0.0.0' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without HYBRID_AI_TOKEN: .*HYBRID_AI_TOKEN_FILE/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreadable HYBRID_AI_TOKEN_FILE', () => {
    const r = refuse({ HYBRID_AI_HOST: '0.0.0.0', HYBRID_AI_TOKEN_FILE: path.join(tmp, 'no-such-secret') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Cannot read HYBRID_AI_TOKEN_FILE .*no-such-secret: ENOENT/);
  });

  it('a ledger URL that selects no ledger, without echoing its password', () => {
    const r = refuse({ HYBRID_AI_LEDGER_URL: 'mysql://hai:hunter2-secret@db/hai' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /Invalid HYBRID_AI_LEDGER_URL "mysql:\/\/hai:\*\*\*@db\/hai": unsupported scheme "mysql:"\. Valid: postgres:\/\//,
    );
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreachable PostgreSQL ledger: a plain message at start, password hidden, no stack', () => {
    const r = refuse({ HYBRID_AI_LEDGER_URL: 'postgres://hai:hunter2-secret@127.0.0.1:9/hai' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /Cannot connect to the PostgreSQL ledger at postgres:\/\/hai:\*\*\*@127\.0\.0\.1:9\/hai: nothing listens there \(is PostgreSQL running/,
    );
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad --config file field', () => {
    const file = path.join(tmp, 'bad-config.json');
    writeFileSync(file, JSON.stringify({ port: 8787, colour: 'blue' }));
    const r = spawnSync(process.execPath, [...dockerCmd().slice(1), '--config', file], {
      cwd: bundle,
      env: { PATH: process.env.PATH, HOME: tmp, HYBRID_AI_DATA_DIR: path.join(tmp, 'refused') },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown setting "colour" in .*bad-config\.json\. Valid: port, host/);
  });
});

describe('/ready when nothing can answer', () => {
  it('is 503 not_ready with reasons naming each engine', async () => {
    const srv = await start(dockerCmd(), {
      HYBRID_AI_HOST: '127.0.0.1',
      HYBRID_AI_PORT: '0',
      HYBRID_AI_DATA_DIR: path.join(tmp, 'data-empty'),
      HYBRID_AI_TOKEN: TOKEN,
      OLLAMA_HOST: '127.0.0.1:9',
    });
    const r = await fetch(`${srv.url}/ready`);
    expect(r.status).toBe(503);
    const body = (await r.json()) as { status: string; ledger: boolean; reasons: string[] };
    expect(body).toMatchObject({ status: 'not_ready', ledger: true });
    expect(body.reasons.join(' ')).toMatch(/no engine has a model \(.*llamacpp: .*ollama: Ollama not reachable/);
    // Liveness is separate: the process is fine, it just has nothing to answer with.
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
    expect(existsSync(path.join(tmp, 'data-empty', 'ledger.db'))).toBe(true);
    expect(await stop(srv)).toBe(0);
  }, 60_000);
});
