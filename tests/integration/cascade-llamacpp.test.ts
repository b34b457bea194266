// Cascade with REAL llama.cpp inference (generated tiny GGUF): the engine measures the answer's mean token log-probability,
// and a random-weights model's answer (≈ −5 nats/token) is escalated. A scripted engine stands in for Claude (no network).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import { createAvailabilityCache } from '../../router-core/engines/availability.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createLlamaCppEngine, type LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { createSettingsView } from '../../router-core/ledger/settings-view.js';
import { openSqliteLedger } from '../../router-core/ledger/sqlite.js';
import { createPipeline } from '../../router-core/pipeline.js';
import { createRoutingExtras } from '../../router-core/pipeline-routing.js';
import { routingSettingKeys } from '../../router-core/routing-settings.js';
import { createFakeEngine } from '../fakes/engines.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';

// A worker start plus model load is ~1 s on the 2-core VM; 20 s leaves room for a loaded CI machine.
const TIMEOUT = 20_000;
let dir = '';
let engine: LlamaCppEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'cascade-llamacpp-'));
  const gguf = (await makeTinyGguf(join(dir, 'tiny.gguf'))).path;
  engine = createLlamaCppEngine({ modelFiles: { tinyllama: gguf, phi2: gguf }, threads: 1, gpu: false });
});
afterAll(async () => {
  await engine?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const request = (content: string) => ({
  model: 'auto',
  messages: [{ role: 'user' as const, content }],
  params: { maxTokens: 16, temperature: 0 },
});

describe('llama.cpp confidence and the cascade', () => {
  it(
    'reports the mean token log-probability only when asked, and the same answer either way',
    async () => {
      const collect = async (confidence: boolean) => {
        const out: StreamEvent[] = [];
        for await (const ev of engine.chat({ request: request('hello'), model: 'tinyllama', confidence }, new AbortController().signal))
          out.push(ev);
        return out;
      };
      const plain = await collect(false);
      const measured = await collect(true);
      const usage = (evs: StreamEvent[]) => evs.find((e) => e.type === 'usage')!;
      const text = (evs: StreamEvent[]) => evs.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');
      expect(usage(plain).type === 'usage' && usage(plain).usage.meanLogprob).toBeUndefined();
      const lp = usage(measured).type === 'usage' ? usage(measured).usage.meanLogprob : undefined;
      expect(lp).toBeLessThan(0);
      // A random-weights model is close to uniform over its few-hundred-token vocabulary: far below fluent text.
      expect(lp).toBeLessThan(-2);
      expect(text(measured)).toBe(text(plain));
    },
    TIMEOUT,
  );

  it(
    'escalates the tiny model’s weak answer to the cloud and records both attempts',
    async () => {
      const ledger = openSqliteLedger(':memory:');
      const cloud = createFakeEngine({ id: 'anthropic', models: ['claude-sonnet'], words: () => ['a ', 'cloud ', 'answer'] });
      const engines = new Map<EngineId, Engine>([
        ['llamacpp', engine],
        ['anthropic', cloud],
      ]);
      let t = 1_700_000_000_000;
      const now = () => (t += 1);
      const availability = createAvailabilityCache(engines, now);
      const settings = await createSettingsView(ledger);
      await settings.setSetting(routingSettingKeys.cascade, { enabled: true });
      let id = 0;
      const pipeline = createPipeline({
        engines,
        ledger,
        availability: () => availability.get(),
        routing: () => ({
          thresholds: { medium: 1.01, cloud: 1.02 },
          localOnly: false,
          cloudModel: 'claude-sonnet',
          budget: {},
          localEnginePreference: ['llamacpp'],
        }),
        tier: () => 1,
        history: () => false,
        now,
        periodStarts: () => ({ day: 0, month: 0 }),
        newId: () => `r${++id}`,
        extras: createRoutingExtras({ store: ledger, settings, now }),
      });
      const run = await pipeline.handle(request('hi there'), { protocol: 'native' }, new AbortController().signal);
      let text = '';
      for await (const ev of run.events) if (ev.type === 'text-delta') text += ev.text;
      expect(text).toBe('a cloud answer');
      expect(run.decision).toMatchObject({ route: 'cloud', engine: 'anthropic' });
      expect(run.decision.reasons.join(' | '), run.decision.reasons.join(' | ')).toMatch(
        /tinyllama's answer looked weak \(.*low confidence \(mean token log-probability -\d/,
      );
      const stats = await ledger.routingStats(0, t + 1);
      expect(stats.cascade).toMatchObject({ runs: 1, escalated: 1 });
      expect(await ledger.recent(5)).toHaveLength(1);
      await ledger.close();
    },
    TIMEOUT,
  );
});
