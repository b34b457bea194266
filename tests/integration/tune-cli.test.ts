// `hybrid-ai tune` on a real ledger file: proposes thresholds from feedback, applies them only when accepted.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runTune } from '../../router-core/cli/tune.js';
import type { RequestRecord } from '../../router-core/ledger/ledger.js';
import { openSqliteLedger } from '../../router-core/ledger/sqlite.js';
import { camelKeys } from '../fixtures/wire-keys.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data dir whose ledger holds local answers just under the cloud threshold that people retried with Claude. */
function dataDirWithFeedback(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hai-tune-'));
  dirs.push(dir);
  // The synchronous face: this test writes a local ledger file the way a tool would, row by row.
  const ledger = openSqliteLedger(path.join(dir, 'ledger.db')).sync;
  const now = Date.now();
  const row = (id: string, complexity: number, engine: RequestRecord['engine'], route: RequestRecord['route']): RequestRecord => ({
    id,
    ts: now - 1000,
    protocol: 'native',
    route,
    model: engine === 'anthropic' ? 'claude-sonnet' : 'phi2',
    engine,
    complexity,
    reasons: [],
    inputTokens: 10,
    outputTokens: 10,
    costMicros: 0,
    allCloudMicros: 180,
    latencyMs: 5,
    ttftMs: 1,
    status: 'ok',
    errorType: null,
    fallbackFrom: [],
    prompt: null,
    response: null,
  });
  const misses = [0.51, 0.53, 0.55, 0.56, 0.57, 0.58, 0.59];
  misses.forEach((c, i) => {
    ledger.record(row(`m${i}`, c, 'llamacpp', 'medium'));
    ledger.recordFeedback({ requestId: `m${i}`, ts: now - 500, rating: 'retry', comment: null });
  });
  [0.1, 0.2, 0.35, 0.4].forEach((c, i) => {
    ledger.record(row(`h${i}`, c, 'llamacpp', c < 0.3 ? 'small' : 'medium'));
    ledger.recordFeedback({ requestId: `h${i}`, ts: now - 500, rating: 'up', comment: null });
  });
  for (let i = 0; i < 60; i++)
    ledger.record(row(`u${i}`, i / 60, i / 60 >= 0.6 ? 'anthropic' : 'llamacpp', i / 60 >= 0.6 ? 'cloud' : 'medium'));
  ledger.close();
  return dir;
}

function sink(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    out: new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}

const thresholds = (dir: string) => {
  const l = openSqliteLedger(path.join(dir, 'ledger.db')).sync;
  try {
    return l.getSetting('routing.thresholds') as { medium: number; cloud: number } | undefined;
  } finally {
    l.close();
  }
};

describe('hybrid-ai tune', () => {
  it('shows the proposal and its expected effect, and changes nothing when declined', async () => {
    const dir = dataDirWithFeedback();
    const s = sink();
    expect(await runTune(['--data-dir', dir], s.out, async () => 'n')).toBe(0);
    expect(s.text()).toMatch(/11 rated answers, 11 local \(7 misses\)/);
    expect(s.text()).toMatch(/thresholds proposed: medium [\d.]+ {2}cloud 0\.5\d?/);
    expect(s.text()).toMatch(/expected cloud share \d+\.\d% → \d+\.\d%, misses \d+\.\d% → \d+\.\d%/);
    expect(s.text()).toMatch(/not applied/);
    expect(thresholds(dir)).toBeUndefined();
  });

  it('applies the proposal when accepted', async () => {
    const dir = dataDirWithFeedback();
    const s = sink();
    expect(await runTune(['--data-dir', dir], s.out, async () => 'y')).toBe(0);
    const saved = thresholds(dir);
    expect(saved!.cloud).toBeLessThan(0.6);
    expect(s.text()).toMatch(/applied: medium/);
    const again = sink();
    await runTune(['--data-dir', dir, '--json'], again.out, async () => 'n');
    const json = JSON.parse(again.text().split('\n')[0]!);
    expect(json.current).toEqual(saved);
    // As GET /api/v1/feedback/tune answers it: snake_case at any depth.
    expect(json.evidence.local_rated).toBeGreaterThan(0);
    expect(camelKeys(json)).toEqual([]);
  });

  it('rejects bad flags', async () => {
    expect(await runTune(['--days', 'soon'], sink().out)).toBe(2);
    expect(await runTune(['--frobnicate'], sink().out)).toBe(2);
  });
});
