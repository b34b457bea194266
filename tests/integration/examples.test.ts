// The example apps in examples/ run as a user runs them (tsx, env, --json) against a real gateway: llama.cpp on a
// generated GGUF for local answers, the Claude stand-in for the cloud (or the OpenAI stand-in as the only cloud); their
// output is checked against the ledger.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import type { AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import type { OpenAIStandIn } from '../stand-ins/openai-cloud.js';
import { TOKEN, type TestServer } from './helpers.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let gw: RealGateway;
let srv: TestServer;
let claude: AnthropicStandIn;

beforeAll(async () => {
  gw = await startRealGateway();
  ({ srv, claude } = gw);
}, 60_000);
afterAll(async () => gw?.close());

/** Runs an example exactly as its header comment says, returning its --json output. */
async function example(file: string, url = srv.url): Promise<any> {
  return JSON.parse(await exampleText(file, url, ['--json']));
}

/** Its printed output (without --json). */
async function exampleText(file: string, url: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'examples', file), ...args], {
    cwd: root,
    env: { ...process.env, HYBRID_AI_URL: url, HYBRID_AI_TOKEN: TOKEN },
  });
  return stdout;
}

const micros = (usd: number): number => Math.round(usd * 1_000_000);

describe('examples/moderation-pipeline', () => {
  it('classifies locally, escalates exactly the uncertain items to the cloud, and reports the ledger cost', async () => {
    const before = srv.core.ledger.recent(1000).length;
    const out = await example('moderation-pipeline/moderation.ts');
    expect(out.items).toHaveLength(5);
    expect(out.cloudModel).toMatch(/^claude-/);
    for (const item of out.items) {
      // The schema is enforced on the local model (a grammar in llama.cpp), so every local answer is a verdict.
      expect(['allow', 'review', 'block']).toContain(item.local.label);
      // The rule the example states: uncertain (no verdict, or confidence under 0.7) goes to the cloud, nothing else.
      const uncertain = item.local.label === null || item.local.confidence === null || item.local.confidence < 0.7;
      expect(item.escalated).toBe(uncertain);
      expect(item.final.engine).toBe(item.escalated ? 'anthropic' : 'llamacpp');
      expect(item.requestIds).toHaveLength(item.escalated ? 2 : 1);
    }
    // Every call is a ledger row, and the example's money is the ledger's.
    const rows = srv.core.ledger.recent(1000);
    const escalated = out.items.filter((i: any) => i.escalated).length;
    expect(rows.length - before).toBe(5 + escalated);
    const ids = out.items.flatMap((i: any) => i.requestIds as string[]);
    const mine = rows.filter((r) => ids.includes(r.id));
    expect(mine).toHaveLength(ids.length);
    expect(micros(out.summary.cost_usd)).toBe(mine.reduce((s, r) => s + r.costMicros, 0));
    expect(micros(out.summary.all_cloud_usd)).toBe(mine.reduce((s, r) => s + r.allCloudMicros, 0));
    expect(out.summary.escalated).toBe(escalated);
    // The cloud saw only the escalated items.
    expect(claude.requests.filter((r) => r.path === '/v1/messages').length).toBeGreaterThanOrEqual(escalated);
  }, 120_000);
});

describe('examples/support-router', () => {
  it('answers simple tickets locally, drafts the hard one with Claude, and totals the saving', async () => {
    const cloudCalls = claude.requests.length;
    const out = await example('support-router/support.ts');
    const byId = new Map<string, any>(out.tickets.map((t: any) => [t.id, t]));
    for (const id of ['T-1', 'T-2', 'T-4']) {
      expect(byId.get(id)).toMatchObject({ handling: 'answered', engine: 'llamacpp' });
      expect(byId.get(id).triage.level).not.toBe('cloud');
    }
    expect(byId.get('T-3')).toMatchObject({ handling: 'drafted', engine: 'anthropic', triage: { level: 'cloud' } });
    expect(byId.get('T-3').reply).toContain('Stand-in Claude');
    expect(claude.requests.length - cloudCalls).toBe(1);
    expect(out.summary).toMatchObject({ tickets: 4, answered_locally: 3, drafted_by_cloud: 1 });
    // Local answers cost nothing but would have cost something on Claude: a real saving, reported consistently.
    expect(out.summary.all_cloud_usd).toBeGreaterThan(out.summary.cost_usd);
    expect(micros(out.summary.saved_usd)).toBe(micros(out.summary.all_cloud_usd) - micros(out.summary.cost_usd));
    const sumCost = out.tickets.reduce((s: number, t: any) => s + micros(t.costUsd), 0);
    expect(sumCost).toBe(micros(out.summary.cost_usd));
  }, 120_000);
});

describe('the examples with OpenAI as the only cloud (no Claude key)', () => {
  let ogw: RealGateway;
  let osrv: TestServer;
  let gpt: OpenAIStandIn;
  beforeAll(async () => {
    ogw = await startRealGateway({ openai: {}, env: { ANTHROPIC_API_KEY: '', HYBRID_AI_CLOUD: 'openai' } });
    osrv = ogw.srv;
    gpt = ogw.openai!;
  }, 60_000);
  afterAll(async () => ogw?.close());

  it('support-router drafts the hard ticket with a GPT model and counts it as the cloud draft it is', async () => {
    const seen = new Set(osrv.core.ledger.recent(1000).map((r) => r.id));
    const calls = gpt.requests.length;
    const out = await example('support-router/support.ts', osrv.url);
    const byId = new Map<string, any>(out.tickets.map((t: any) => [t.id, t]));
    expect(byId.get('T-3')).toMatchObject({ handling: 'drafted', engine: 'openai', route: 'cloud', triage: { level: 'cloud' } });
    expect(byId.get('T-3').model).toMatch(/^gpt-/);
    expect(byId.get('T-3').reply).toContain('Stand-in GPT');
    for (const id of ['T-1', 'T-2', 'T-4']) expect(byId.get(id)).toMatchObject({ engine: 'llamacpp' });
    expect(gpt.requests.length - calls).toBe(1);
    expect(out.summary).toMatchObject({ tickets: 4, answered_locally: 3, drafted_by_cloud: 1 });
    // The ledger agrees: one row on the OpenAI cloud, three local.
    const mine = osrv.core.ledger.recent(1000).filter((r) => !seen.has(r.id));
    expect(mine.filter((r) => r.route === 'cloud').map((r) => r.engine)).toEqual(['openai']);
    expect(mine.filter((r) => r.route !== 'cloud')).toHaveLength(3);
  }, 120_000);

  it('moderation-pipeline escalates to a GPT model, and its summary counts what the cloud answered', async () => {
    const out = await example('moderation-pipeline/moderation.ts', osrv.url);
    expect(out.cloudModel).toMatch(/^gpt-/);
    const ids = out.items.flatMap((i: any) => i.requestIds as string[]);
    const rows = osrv.core.ledger.recent(1000).filter((r) => ids.includes(r.id));
    expect(rows).toHaveLength(ids.length);
    for (const item of out.items) {
      const last = rows.find((r) => r.id === item.requestIds.at(-1))!;
      // Each item's final answer is reported where the ledger says it ran.
      expect(item.final).toMatchObject({ engine: last.engine, route: last.route });
      if (item.escalated) expect(item.final).toMatchObject({ engine: 'openai', route: 'cloud', model: out.cloudModel });
    }
    const cloudRows = rows.filter((r) => r.route === 'cloud');
    expect(out.summary.answered_by_cloud).toBe(cloudRows.length);
    expect(out.summary.answered_by_cloud).toBe(out.summary.escalated);
  }, 120_000);

  it('moderation-pipeline with no cloud at all says its escalations stayed on this machine', async () => {
    const local = await startRealGateway({ env: { ANTHROPIC_API_KEY: '' } });
    try {
      const out = await example('moderation-pipeline/moderation.ts', local.srv.url);
      expect(out.cloudModel).toBeNull();
      expect(out.summary.answered_by_cloud).toBe(0);
      for (const item of out.items) expect(item.final.route).not.toBe('cloud');
      const text = await exampleText('moderation-pipeline/moderation.ts', local.srv.url);
      expect(text).not.toContain('escalated to the cloud');
      expect(text).toMatch(/\n5 items, \d+ escalated, 0 answered by the cloud; spent \$0\.0000/);
    } finally {
      await local.close();
    }
  }, 120_000);
});
