// The n8n workflows in integrations/n8n run in real n8n (from npm; scripts/ensure-n8n.sh installs it outside the
// repository) against a real gateway: llama.cpp on a generated GGUF for local answers, the Claude stand-in for the
// cloud. Each workflow is imported with `n8n import:workflow`, its bearer token comes from n8n's own credential store
// (`n8n import:credentials`, a Header Auth credential), and it runs with `n8n execute`; the test checks what the
// workflow produced against the ledger rows its requests left, and what it posted to an alert webhook.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../router-core/ledger/ledger.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import type { TestServer } from './helpers.js';
import { TOKEN } from './helpers.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const workflowsDir = path.join(root, 'integrations/n8n');
const inCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

/** n8n's bin script: $HYBRID_AI_N8N, else where scripts/ensure-n8n.sh puts its pinned version; null when absent. */
function findN8n(): string | null {
  if (process.env.HYBRID_AI_N8N) return process.env.HYBRID_AI_N8N;
  const script = readFileSync(path.join(root, 'scripts/ensure-n8n.sh'), 'utf8');
  const version = /version=\$\{N8N_VERSION:-([^}]+)\}/.exec(script)?.[1];
  const cache = process.env.HYBRID_AI_CI_CACHE ?? '/var/cache/hybrid-ai-ci';
  const bin = path.join(cache, `n8n-${version}`, 'node_modules/n8n/bin/n8n');
  return existsSync(path.join(cache, `n8n-${version}`, '.complete')) ? bin : null;
}

const n8nBin = findN8n();
// CI installs n8n (.ci/run runs scripts/ensure-n8n.sh): there a missing n8n is a failure, not a skip.
if (!n8nBin && inCi) throw new Error('n8n is not installed: run scripts/ensure-n8n.sh (or set HYBRID_AI_N8N to its bin/n8n)');
const skipReason = n8nBin ? undefined : 'n8n is not installed: run scripts/ensure-n8n.sh (or set HYBRID_AI_N8N)';
if (skipReason) console.warn(`n8n workflow tests skipped: ${skipReason}`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `n8n start` on a free port, resolved once n8n says it listens there. why: the port is free when picked but another
 * process can take it before n8n binds it (then n8n exits with "already in use", and a request sent meanwhile reaches
 * whatever holds the port): such a start is tried again on another port.
 */
async function startN8nServer(): Promise<{ child: ChildProcess; port: number; log: () => string; exited: Promise<unknown> }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [n8nBin!, 'start'], {
      env: { ...env, N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_HOST: '127.0.0.1', N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5' },
      cwd: home,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    const exited = once(child, 'exit');
    // n8n's own line once its server listens (its "port N is already in use" must not count).
    const ready = `n8n ready on 127.0.0.1, port ${port}`;
    for (let i = 0; i < 1800 && child.exitCode === null && !log.includes(ready); i++) await sleep(100);
    if (child.exitCode === null && log.includes(ready)) return { child, port, log: () => log, exited };
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    if (attempt >= 3 || !log.includes('already in use')) throw new Error(`n8n start did not listen on port ${port}:\n${log.slice(-4000)}`);
  }
}

/** A Slack-style incoming webhook on loopback: records every JSON body posted to it. */
async function startAlertReceiver(): Promise<{ url: string; posts: unknown[]; close(): Promise<void> }> {
  const posts: unknown[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posts.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}/hooks/alerts`, posts, close: () => new Promise((r) => srv.close(() => r())) };
}

interface Item {
  json: Record<string, any>;
}
interface RunData {
  data: {
    resultData: {
      lastNodeExecuted: string;
      error?: unknown;
      runData: Record<string, Array<{ data?: { main: Array<Item[] | null> } }>>;
    };
  };
}

let gw: RealGateway;
let srv: TestServer;
let home: string;
let env: NodeJS.ProcessEnv;
let alerts: Awaited<ReturnType<typeof startAlertReceiver>>;
let cloudModel: string;
let claude: RealGateway['claude'];

/** Runs the n8n CLI as a user would (own user folder, no telemetry), returning stdout. */
async function n8n(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [n8nBin!, ...args], { env, cwd: home, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `n8n ${args.join(' ')} failed: ${err.message}\nstdout: ${err.stdout?.slice(-4000)}\nstderr: ${err.stderr?.slice(-4000)}`,
    );
  }
}

/** The workflow file as shipped, with its Settings node's fields set the way a user edits them in the editor. */
function workflow(file: string, settings: Record<string, unknown>, edit?: (wf: any) => void): any {
  const wf = JSON.parse(readFileSync(path.join(workflowsDir, file), 'utf8'));
  const node = wf.nodes.find((n: any) => n.name === 'Settings');
  for (const [name, value] of Object.entries(settings)) {
    const field = node.parameters.assignments.assignments.find((a: any) => a.name === name);
    if (!field) throw new Error(`${file}: Settings has no field ${name}`);
    field.value = value;
  }
  edit?.(wf);
  return wf;
}

/** The workflows as the tests run them, by key: imported together in beforeAll (one n8n start), run one by one. */
let variants: Record<string, any>;

/** Runs one imported workflow with `n8n execute`, as a user does, and returns n8n's run data. */
async function execute(key: string): Promise<RunData> {
  const out = await n8n(['execute', `--id=${variants[key].id}`, '--rawOutput']);
  // stdout is n8n's log: a few lines, then the run data as indented JSON (from a "{" line to a "}" line).
  const start = out.search(/^\{$/m);
  const end = out.slice(start).search(/^\}$/m);
  if (start < 0 || end < 0) throw new Error(`n8n printed no run data:\n${out.slice(-4000)}`);
  const result = JSON.parse(out.slice(start, start + end + 1)) as RunData;
  expect(result.data.resultData.error).toBeUndefined();
  return result;
}

/** The items a node produced on its output `output` (undefined when the node did not run). */
function output(r: RunData, nodeName: string, output = 0): Array<Record<string, any>> | undefined {
  const runs = r.data.resultData.runData[nodeName];
  if (!runs) return undefined;
  return (runs[0]!.data!.main[output] ?? []).map((i) => i.json);
}

function rowsSince(count: number): RequestRecord[] {
  const all = srv.core.ledger.recent(10_000) as RequestRecord[];
  return all.slice(0, all.length - count);
}

const micros = (usd: number): number => Math.round(usd * 1_000_000);

/** Sets the smart-routing workflow's sample request (what **Run now** sends, as a webhook caller would). */
function sample(wf: any, body: Record<string, unknown>): void {
  const node = wf.nodes.find((n: any) => n.name === 'Sample request');
  node.parameters.assignments.assignments[0].value = `={{ ${JSON.stringify(body)} }}`;
}

async function stats(): Promise<any> {
  return (await fetch(`${srv.url}/api/v1/stats?range=today`, { headers: srv.auth })).json();
}

function ledgerToday(): RequestRecord[] {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  return (srv.core.ledger.recent(10_000) as RequestRecord[]).filter((x) => x.ts >= midnight.getTime());
}

/** Prometheus's histogram_quantile(0.95) over the gateway's latency buckets, computed from raw latencies. */
function histogramP95(latencies: number[]): number {
  const bounds = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  const rank = 0.95 * latencies.length;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const cum = latencies.filter((l) => l <= le).length;
    if (cum >= rank) return lower + ((le - lower) * (rank - below)) / (cum - below);
    lower = le;
    below = cum;
  }
  return lower;
}

describe.skipIf(skipReason !== undefined)('n8n workflows (integrations/n8n) in real n8n', () => {
  beforeAll(async () => {
    gw = await startRealGateway();
    srv = gw.srv;
    claude = gw.claude;
    alerts = await startAlertReceiver();
    home = mkdtempSync(path.join(os.tmpdir(), 'hai-n8n-'));
    env = {
      PATH: process.env.PATH,
      HOME: home,
      N8N_USER_FOLDER: home,
      N8N_ENCRYPTION_KEY: 'test-only-n8n-encryption-key-0123456789',
      N8N_DIAGNOSTICS_ENABLED: 'false',
      N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
      N8N_TEMPLATES_ENABLED: 'false',
      N8N_PERSONALIZATION_ENABLED: 'false',
      N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
      // Code nodes run in n8n's task runner: its broker on a free loopback port, not the shared default 5679.
      N8N_RUNNERS_BROKER_PORT: String(await freePort()),
      // `n8n execute --rawOutput` prints the run data through n8n's logger at level info, on the console.
      N8N_LOG_OUTPUT: 'console',
      N8N_LOG_LEVEL: 'info',
      DB_TYPE: 'sqlite',
    };
    // The bearer token lives in n8n's credential store (encrypted with the instance key), never in a workflow file.
    const credentials = path.join(home, 'credentials.json');
    writeFileSync(
      credentials,
      JSON.stringify([
        {
          id: 'hybridAiGateway',
          name: 'Hybrid AI gateway token',
          type: 'httpHeaderAuth',
          data: { name: 'Authorization', value: `Bearer ${TOKEN}` },
        },
      ]),
    );
    await n8n(['import:credentials', `--input=${credentials}`]);
    rmSync(credentials);
    const models = (await (await fetch(`${srv.url}/v1/models`, { headers: srv.auth })).json()) as {
      data: Array<{ id: string; owned_by: string }>;
    };
    cloudModel = models.data.find((m) => m.owned_by === 'anthropic')!.id;
    const gateway_url = srv.url;
    const alert_webhook_url = alerts.url;
    const smart = (body: Record<string, unknown>, settings: Record<string, unknown> = {}) =>
      workflow('smart-routing.json', { gateway_url, ...settings }, (wf) => sample(wf, body));
    variants = {
      smartLocal: smart({ prompt: 'Say hello in one short sentence.' }, { max_tokens: 24 }),
      smartCloud: smart({ prompt: 'Draft a polite reply to a refund request.', model: cloudModel }),
      smartBad: smart({ prompt: '   ' }),
      smartFail: smart({ prompt: 'Hello', model: cloudModel }),
      smartWebhook: smart({ prompt: 'not used: the webhook brings the prompt' }),
      orchestrator: workflow('orchestrator-pipeline.json', { gateway_url, max_tokens: 32, summary_max_tokens: 16 }),
      costQuiet: workflow('cost-monitor.json', {
        gateway_url,
        daily_spend_limit_usd: 1000,
        min_local_share: 0,
        min_requests: 1,
        alert_webhook_url,
      }),
      // One micro-dollar: any Claude answer costs more.
      costLoud: workflow('cost-monitor.json', {
        gateway_url,
        daily_spend_limit_usd: 0.000001,
        min_local_share: 0.99,
        min_requests: 1,
        alert_webhook_url,
      }),
      perf: workflow('performance-monitor.json', { gateway_url, p95_limit_seconds: 0.000001, max_error_rate: 0.5, alert_webhook_url }),
    };
    const dir = path.join(home, 'workflows');
    mkdirSync(dir);
    for (const [i, [key, wf]] of Object.entries(variants).entries()) {
      wf.id = `haiN8nTest${i}`;
      wf.name = `${wf.name} (${key})`;
      writeFileSync(path.join(dir, `${key}.json`), JSON.stringify(wf));
    }
    await n8n(['import:workflow', '--separate', `--input=${dir}`]);
  }, 300_000);
  afterAll(async () => {
    await alerts?.close();
    await gw?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('smart routing: answers a simple prompt locally and returns the route and cost the ledger recorded', async () => {
    const before = srv.core.ledger.recent(10_000).length;
    const r = await execute('smartLocal');
    expect(r.data.resultData.lastNodeExecuted).toBe('Answer');
    const [answer] = output(r, 'Answer')!;
    expect(answer).toMatchObject({ ok: true, backend: 'local' });
    expect(typeof answer!.answer).toBe('string');
    const rows = rowsSince(before);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.id).toBe(answer!.request_id);
    expect(row.engine).toBe('llamacpp');
    expect(answer).toMatchObject({ route: row.route, model: row.model, reasons: row.reasons });
    expect(micros(answer!.cost_usd)).toBe(row.costMicros);
    expect(micros(answer!.all_cloud_usd)).toBe(row.allCloudMicros);
    expect(micros(answer!.saved_usd)).toBe(row.allCloudMicros - row.costMicros);
  }, 240_000);

  it("smart routing: a request for Claude goes to the cloud and its cost is the ledger row's", async () => {
    const before = srv.core.ledger.recent(10_000).length;
    const cloudCalls = claude.requests.length;
    const r = await execute('smartCloud');
    const [answer] = output(r, 'Answer')!;
    expect(answer).toMatchObject({ ok: true, backend: 'cloud', model: cloudModel, route: 'cloud' });
    expect(answer!.answer).toContain('Stand-in Claude');
    expect(claude.requests.length - cloudCalls).toBe(1);
    const rows = rowsSince(before);
    expect(rows.map((x) => x.id)).toEqual([answer!.request_id]);
    expect(rows[0]!.costMicros).toBeGreaterThan(0);
    expect(micros(answer!.cost_usd)).toBe(rows[0]!.costMicros);
  }, 240_000);

  it("smart routing: a bad request comes back as the gateway's 400 in its own error shape, not a failed run", async () => {
    const before = srv.core.ledger.recent(10_000).length;
    const r = await execute('smartBad');
    const [answer] = output(r, 'Answer')!;
    expect(answer).toMatchObject({ ok: false, status: 400, error: { type: 'invalid_request' } });
    expect(answer!.error.message).toMatch(/prompt/);
    expect(rowsSince(before)).toHaveLength(0);
  }, 240_000);

  it('orchestrator: classifies each document, answers it where the estimate says, post-processes locally; costs match the ledger', async () => {
    const before = srv.core.ledger.recent(10_000).length;
    const r = await execute('orchestrator');
    const docs = output(r, 'Documents')!;
    const report = output(r, 'Report')!;
    expect(report.map((d) => d.id)).toEqual(docs.map((d) => d.id));
    const rows = rowsSince(before);
    // Two generations per document (classification is an estimate, not a model call), every one a ledger row.
    expect(rows).toHaveLength(2 * docs.length);
    const byId = new Map(rows.map((x) => [x.id, x]));
    for (const [i, line] of report.entries()) {
      // The classification is the gateway's own estimate for that text, and the answer used the model it recommended.
      const est = (await (
        await fetch(`${srv.url}/api/v1/complexity`, {
          method: 'POST',
          headers: { ...srv.auth, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: docs[i]!.text }),
        })
      ).json()) as { level: string; recommended_model: string; backend: string };
      expect(line.level).toBe(est.level);
      expect(line.model).toBe(est.recommended_model);
      expect(line.backend).toBe(est.backend);
      const [answerRow, postRow] = line.request_ids.map((id: string) => byId.get(id));
      expect(answerRow).toBeDefined();
      expect(answerRow.model).toBe(line.model);
      // Post-processing is local_only: never Claude.
      expect(postRow.engine).toBe('llamacpp');
      expect(line.summary_model).toBe(postRow.model);
      expect(micros(line.cost_usd)).toBe(answerRow.costMicros + postRow.costMicros);
      expect(micros(line.all_cloud_usd)).toBe(answerRow.allCloudMicros + postRow.allCloudMicros);
    }
    // The shipped documents exercise both sides of the routing: an easy one stays local, the hard one goes to Claude.
    expect(report.map((d) => d.backend).sort()).toEqual(['cloud', 'local']);
  }, 300_000);

  it("cost monitor: within the limits it stays quiet; past them it posts an alert with the ledger's spend and local share", async () => {
    const today = await stats();
    expect(today.totals.cloud).toBeGreaterThan(0);
    const quiet = await execute('costQuiet');
    expect(output(quiet, 'Within limits')).toHaveLength(1);
    expect(output(quiet, 'Post alert')).toBeUndefined();
    expect(alerts.posts).toHaveLength(0);

    const cloudMicros = ledgerToday()
      .filter((x) => x.engine === 'anthropic')
      .reduce((s, x) => s + x.costMicros, 0);
    expect(cloudMicros).toBeGreaterThan(0);
    const rows = ledgerToday();
    const localShare = rows.filter((x) => x.engine === 'llamacpp').length / rows.filter((x) => x.engine !== null).length;
    const loud = await execute('costLoud');
    expect(output(loud, 'Within limits')).toBeUndefined();
    expect(output(loud, 'Post alert')).toHaveLength(1);
    expect(alerts.posts).toHaveLength(1);
    const alert = alerts.posts[0] as Record<string, any>;
    expect(alert.alert).toBe(true);
    expect(micros(alert.spent_today_usd)).toBe(cloudMicros);
    expect(alert.local_share).toBeCloseTo(localShare, 9);
    expect(alert.problems).toHaveLength(2);
    expect(alert.text).toContain(`today's cloud spend $${(cloudMicros / 1e6).toFixed(4)} passed the limit of $0.0000`);
    expect(alert.text).toContain(`local share ${Math.round(localShare * 100)}% is under 99%`);
  }, 300_000);

  it('performance monitor: p95 and error rate from /metrics agree with the ledger, and the flagged report is posted', async () => {
    // One failed cloud request, so the error rate has something to count.
    claude.setMode({ kind: 'error', status: 400 });
    try {
      const failed = await execute('smartFail');
      expect(output(failed, 'Answer')![0]).toMatchObject({ ok: false });
    } finally {
      claude.setMode({ kind: 'normal' });
    }
    const posted = alerts.posts.length;
    const r = await execute('perf');
    const [report] = output(r, 'Daily report')!;
    const rows = srv.core.ledger.recent(10_000) as RequestRecord[];
    const errors = rows.filter((x) => x.status === 'error').length;
    expect(errors).toBeGreaterThan(0);
    expect(report!.requests_total).toBe(rows.length);
    expect(report!.error_rate).toBeCloseTo(errors / rows.length, 12);
    expect(report!.p95_latency_seconds).toBeCloseTo(histogramP95(rows.map((x) => x.latencyMs / 1000)), 9);
    expect(report!.attention).toBe(true);
    expect(report!.problems).toEqual([expect.stringMatching(/^p95 latency .* is over 0.000001 s$/)]);
    expect(report!.today).toMatchObject({ requests: rows.length, errors });
    expect(alerts.posts).toHaveLength(posted + 1);
    expect((alerts.posts.at(-1) as Record<string, any>).text).toBe(report!.text);
    expect(report!.text).toContain(`Since start: ${rows.length} requests`);
  }, 300_000);

  it('smart routing through its webhook: published and served by `n8n start`, it answers a POSTed prompt', async () => {
    // The CLI runs a workflow from its Manual Trigger; the webhook a user calls needs the n8n server with the workflow
    // published, so that path is checked here too: a POST to /webhook/hybrid-ai/chat, answered from the gateway.
    await n8n(['publish:workflow', `--id=${variants.smartWebhook.id}`]);
    const { child, port, log, exited } = await startN8nServer();
    try {
      const before = srv.core.ledger.recent(10_000).length;
      const url = `http://127.0.0.1:${port}/webhook/hybrid-ai/chat`;
      const body = JSON.stringify({ prompt: 'Name one colour.', local_only: true, max_tokens: 16 });
      // n8n says "ready on … port N" once it listens, but answers every path with a 200 "n8n is starting up. Please
      // wait" until its database is migrated; its readiness probe says when it is fully ready (abstract-server.js).
      let ready = false;
      for (let i = 0; i < 120 && child.exitCode === null && !ready; i++) {
        ready = (await fetch(`http://127.0.0.1:${port}/healthz/readiness`).catch(() => undefined))?.status === 200;
        if (!ready) await sleep(1000);
      }
      expect(ready, `n8n never reported ready:\n${log().slice(-4000)}`).toBe(true);
      let res: Response | undefined;
      let text = '';
      // Until n8n has registered the published webhook, the path is a 404.
      for (let i = 0; i < 120 && child.exitCode === null; i++) {
        res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => undefined);
        // Read as text first: a body that is not JSON fails below with what n8n sent and its log, not a bare SyntaxError.
        text = res ? await res.text() : '';
        if (res && res.status !== 404) break;
        await sleep(1000);
      }
      expect(res?.status, log().slice(-4000)).toBe(200);
      let answer: Record<string, any>;
      try {
        answer = JSON.parse(text) as Record<string, any>;
      } catch {
        throw new Error(`n8n answered 200 with a body that is not JSON: ${JSON.stringify(text.slice(0, 2000))}\n${log().slice(-4000)}`);
      }
      expect(answer).toMatchObject({ ok: true, backend: 'local' });
      const rows = rowsSince(before);
      expect(rows.map((x) => x.id)).toEqual([answer.request_id]);
      expect(answer).toMatchObject({ route: rows[0]!.route, model: rows[0]!.model });
      expect(micros(answer.all_cloud_usd)).toBe(rows[0]!.allCloudMicros);
    } finally {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
  }, 420_000);

  it("keeps the token encrypted in n8n's credential store: the credential is there, the token's text is not", () => {
    const files = ['database.sqlite', 'database.sqlite-wal'].map((f) => path.join(home, '.n8n', f)).filter((f) => existsSync(f));
    const bytes = files.map((f) => readFileSync(f));
    expect(bytes.some((b) => b.includes('hybridAiGateway'))).toBe(true);
    expect(bytes.some((b) => b.includes(TOKEN))).toBe(false);
  });

  it('ships no token in any workflow file; every gateway call uses the Header Auth credential', () => {
    for (const file of ['smart-routing.json', 'cost-monitor.json', 'performance-monitor.json', 'orchestrator-pipeline.json']) {
      const text = readFileSync(path.join(workflowsDir, file), 'utf8');
      expect(text).not.toMatch(/Bearer|authorization/i);
      const wf = JSON.parse(text);
      const gatewayCalls = wf.nodes.filter(
        (n: any) => n.type === 'n8n-nodes-base.httpRequest' && String(n.parameters.url).includes('gateway_url'),
      );
      expect(gatewayCalls.length).toBeGreaterThan(0);
      for (const n of gatewayCalls) {
        expect(n.parameters).toMatchObject({ authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth' });
        expect(n.credentials.httpHeaderAuth.id).toBe('hybridAiGateway');
      }
    }
  });
});

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
it.runIf(hasShellcheck || inCi)('scripts/ensure-n8n.sh passes shellcheck and is executable', () => {
  const script = path.join(root, 'scripts/ensure-n8n.sh');
  const r = spawnSync('shellcheck', [script], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(statSync(script).mode & 0o111).not.toBe(0);
});
