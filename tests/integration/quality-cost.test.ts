// The Quality ↔ Cost knob end to end: Settings moves the calibrated cloud threshold, and chats through the real gateway
// follow it (real llama.cpp on a generated GGUF for local answers, the Claude stand-in for cloud ones).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-quality-cost-test-key';
let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-knob-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2'],
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await claude?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${srv.url}${p}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...srv.auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

interface Stop {
  p_cloud: number;
  cloud_threshold: number;
  cloud_share: number;
  under_routed: number;
}

// Borderline requests: the test uses the first whose calibrated P(cloud) sits between the knob's ends, so the knob
// alone decides where it goes (which one depends on the shipped weights).
const CANDIDATES = [
  'My landlord kept my deposit for normal wear and tear. What can I do?',
  'Write a Python function that merges two sorted lists, with tests.',
  'Explain the trade-offs of the CAP theorem for a database that must stay available during network partitions.',
  'Design a REST API for a library system: endpoints, status codes and pagination.',
  'Write a friendly email inviting my neighbours to a garden party on Saturday.',
  'A train leaves at 3 pm at 60 mph and another at 4 pm at 80 mph from the same station. When does the second catch up?',
];

describe('Quality ↔ Cost knob', () => {
  it('Settings shows the knob with what each stop did on held-out sources, the default selected', async () => {
    const s = await call('GET', '/api/v1/settings');
    expect(s.status).toBe(200);
    const q = s.json.quality_cost as { applies: boolean; current_p_cloud: number; default_p_cloud: number; stops: Stop[] };
    expect(q.applies).toBe(true);
    expect(q.stops.length).toBeGreaterThanOrEqual(8);
    expect(q.current_p_cloud).toBe(q.default_p_cloud);
    const def = q.stops.find((k) => k.p_cloud === q.default_p_cloud)!;
    expect(def.cloud_threshold).toBeCloseTo(s.json.thresholds.cloud, 3);
    expect(def.under_routed).toBeLessThanOrEqual(0.1);
  });

  it('moving the knob moves a chat between llama.cpp and Claude, and the saved thresholds say so', async () => {
    const stops = (await call('GET', '/api/v1/settings')).json.quality_cost.stops as Stop[];
    const scores: Record<string, number> = {};
    for (const p of CANDIDATES) scores[p] = (await call('POST', '/api/v1/complexity', { prompt: p })).json.complexity as number;
    const PROMPT = CANDIDATES.find((p) => scores[p]! >= stops[0]!.cloud_threshold && scores[p]! < stops.at(-1)!.cloud_threshold);
    expect(PROMPT, JSON.stringify({ scores, stops: stops.map((k) => k.cloud_threshold) })).toBeDefined();
    const score = scores[PROMPT!]!;
    const below = stops.filter((k) => k.cloud_threshold <= score);
    const above = stops.filter((k) => k.cloud_threshold > score);

    // Quality end: this prompt's P(cloud) clears the threshold → Claude.
    const quality = below[0]!;
    const put = await call('PUT', '/api/v1/settings', { quality_cost: { p_cloud: quality.p_cloud } });
    expect(put.status).toBe(200);
    expect(put.json.thresholds.cloud).toBeCloseTo(quality.cloud_threshold, 3);
    expect(put.json.thresholds.medium).toBeLessThanOrEqual(put.json.thresholds.cloud);
    expect(put.json.quality_cost.current_p_cloud).toBe(quality.p_cloud);
    const before = claude.requests.length;
    const toCloud = await call('POST', '/api/v1/chat', { prompt: PROMPT, max_tokens: 8 });
    expect(toCloud.status).toBe(200);
    expect(toCloud.json).toMatchObject({ engine: 'anthropic', routing: { route: 'cloud' } });
    expect(claude.requests.length).toBe(before + 1);

    // Cost end: the same prompt stays on this computer, answered by real llama.cpp inference.
    const cost = above[above.length - 1]!;
    expect((await call('PUT', '/api/v1/settings', { quality_cost: { p_cloud: cost.p_cloud } })).status).toBe(200);
    const local = await call('POST', '/api/v1/chat', { prompt: PROMPT, max_tokens: 8 });
    expect(local.status).toBe(200);
    expect(local.json.engine).toBe('llamacpp');
    expect(local.json.usage.output_tokens).toBeGreaterThan(0);
    expect(claude.requests.length).toBe(before + 1);
  }, 60_000);

  it('refuses a bad knob value with a 400 naming the field', async () => {
    const out = await call('PUT', '/api/v1/settings', { quality_cost: { p_cloud: 1.5 } });
    expect(out.status).toBe(400);
    expect(out.json.error.message).toMatch(/p_cloud/);
    // Past the knob's ends: refused with the valid range, and nothing saved (the medium threshold stays where it was).
    const before = (await call('GET', '/api/v1/settings')).json.thresholds;
    const stops = (await call('GET', '/api/v1/settings')).json.quality_cost.stops as Stop[];
    for (const p of [stops[0]!.p_cloud / 2, Math.min(0.99, stops.at(-1)!.p_cloud + 0.1)]) {
      const r = await call('PUT', '/api/v1/settings', { quality_cost: { p_cloud: p } });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(
        new RegExp(`"quality_cost.p_cloud": must be between ${stops[0]!.p_cloud} and ${stops.at(-1)!.p_cloud}`),
      );
    }
    expect((await call('GET', '/api/v1/settings')).json.thresholds).toEqual(before);
    const both = await call('PUT', '/api/v1/settings', { quality_cost: { p_cloud: 0.3 }, thresholds: { medium: 0.2, cloud: 0.5 } });
    expect(both.status).toBe(400);
    expect(both.json.error.message).toMatch(/either "thresholds" or "quality_cost"/);
    const extra = await call('PUT', '/api/v1/settings', { quality_cost: { p_cloud: 0.3, share: 2 } });
    expect(extra.status).toBe(400);
  });
});
