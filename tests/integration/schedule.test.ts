// Time-based routing through the real gateway with an injected clock: llama.cpp on a generated GGUF, the Claude stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import type { AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import type { TestServer } from './helpers.js';

let gw: RealGateway;
let srv: TestServer;
let claude: AnthropicStandIn;
// Monday 7 December 2026, 09:00 UTC = 10:00 in Paris.
let clock = Date.UTC(2026, 11, 7, 9, 0);

const hardTask =
  'Design a lock-free concurrent hash map in C++ with resizing, prove its linearizability, and analyse the memory ' +
  'reclamation strategy under ABA hazards.';

beforeAll(async () => {
  gw = await startRealGateway({ now: () => clock });
  ({ srv, claude } = gw);
}, 60_000);
afterAll(async () => gw?.close());

async function api(method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${srv.url}${route}`, {
    method,
    headers: { ...srv.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const office = {
  mode: 'local-only',
  time_zone: 'Europe/Paris',
  windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }],
};

describe('time-based routing', () => {
  it('refuses a schedule it cannot apply, naming the field and what is valid', async () => {
    const bad = [
      [{ ...office, time_zone: 'Mars/Base' }, 'IANA time zone'],
      [{ ...office, windows: [{ days: ['monday'], from: '09:00', to: '18:00' }] }, 'sun'],
      [{ ...office, windows: [{ days: ['mon'], from: '9am', to: '18:00' }] }, 'HH:MM'],
      [{ ...office, windows: [{ days: ['mon'], from: '09:00', to: '09:00' }] }, 'start and end at different times'],
      [{ ...office, mode: 'sometimes' }, 'local-only'],
      [{ ...office, windows: [{ days: ['mon', 'mon'], from: '09:00', to: '18:00' }] }, 'each day once'],
      [{ ...office, windows: [{ days: ['mon'], from: '24:00', to: '06:00' }] }, '24:00 is an end time only'],
    ] as const;
    for (const [schedule, words] of bad) {
      const r = await api('PUT', '/api/v1/routing/settings', { schedule });
      expect(r.status).toBe(400);
      expect(r.json.error.type).toBe('invalid_request');
      expect(r.json.error.message).toContain(words);
    }
    expect((await api('GET', '/api/v1/routing/settings')).json.schedule).toBeNull();
  });

  it('keeps a cloud-worthy request local during local-only hours, says until when, and lets it out after', async () => {
    const put = await api('PUT', '/api/v1/routing/settings', { schedule: office });
    expect(put.status).toBe(200);
    expect(put.json.schedule).toMatchObject({ enabled: true, mode: 'local-only', time_zone: 'Europe/Paris' });
    expect(put.json.schedule_now).toEqual({ cloud_blocked: true, reason: 'local-only hours until 18:00 (Europe/Paris)', until: '18:00' });

    const before = claude.requests.length;
    const during = await api('POST', '/api/v1/chat', { prompt: hardTask, max_tokens: 8 });
    expect(during.status).toBe(200);
    expect(during.json.engine).toBe('llamacpp');
    expect(during.json.routing.reasoning).toContain('cloud disabled (local-only hours until 18:00 (Europe/Paris))');
    expect(claude.requests.length).toBe(before);
    // Naming Claude during those hours is refused with the reason, not silently answered locally.
    const named = await api('POST', '/api/v1/chat', { prompt: 'hi', model: 'claude-sonnet', max_tokens: 8 });
    expect(named.status).toBe(403);
    expect(named.json.error.message).toContain('local-only hours until 18:00');
    // The dashboard's stats carry the state.
    expect((await api('GET', '/api/v1/stats')).json.schedule).toMatchObject({ cloud_blocked: true, until: '18:00' });

    // 19:00 in Paris: the same request goes to Claude.
    clock = Date.UTC(2026, 11, 7, 18, 0);
    const after = await api('POST', '/api/v1/chat', { prompt: hardTask, max_tokens: 8 });
    expect(after.json.engine).toBe('anthropic');
    expect(claude.requests.length).toBe(before + 1);
    expect((await api('GET', '/api/v1/stats')).json.schedule).toMatchObject({ cloud_blocked: false, until: 'Tue 09:00' });

    // Turned off: no state at all.
    expect((await api('PUT', '/api/v1/routing/settings', { schedule: null })).json.schedule_now).toBeNull();
    expect((await api('GET', '/api/v1/stats')).json.schedule).toBeNull();
  });
});
