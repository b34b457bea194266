// The example apps in examples/ run as a user runs them (tsx, env, --json) against a real gateway: llama.cpp on a
// generated GGUF for local answers, the Claude stand-in for the cloud; their output is checked against the ledger.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import type { AnthropicStandIn } from '../stand-ins/anthropic-server.js';
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
async function example(file: string): Promise<any> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'examples', file), '--json'], {
    cwd: root,
    env: { ...process.env, HYBRID_AI_URL: srv.url, HYBRID_AI_TOKEN: TOKEN },
  });
  return JSON.parse(stdout);
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
