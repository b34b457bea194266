// `hybrid-ai taskwarrior sync|report` against the real `task` binary (Debian's taskwarrior) on a temporary TASKDATA.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runTaskwarrior } from '../../router-core/cli/taskwarrior.js';
import { startServer } from '../../router-core/server/main.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { requestToTask, taskUuidFor } from '../../router-core/host/taskwarrior.js';
import type { RequestRecord } from '../../router-core/ledger/ledger.js';
import { openSqliteLedger } from '../../router-core/ledger/sqlite.js';

const hasTask = spawnSync('task', ['--version']).status === 0;
// CI installs taskwarrior (.ci/run): there a missing binary is a failure, not a skip.
if (!hasTask && process.env.CI) throw new Error('taskwarrior is not installed (apt install taskwarrior)');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  add: (r: Partial<RequestRecord> & { id: string }) => RequestRecord;
}

function setup(): Setup {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hai-tw-'));
  dirs.push(root);
  const dataDir = path.join(root, 'data');
  mkdirSync(dataDir);
  mkdirSync(path.join(root, 'taskdata'));
  // A fresh user: no taskrc yet (the CLI must not hang on Taskwarrior's "create a sample?" question).
  const env = { ...process.env, HOME: root, TASKRC: path.join(root, 'taskrc'), TASKDATA: path.join(root, 'taskdata') };
  let n = 0;
  const add = (r: Partial<RequestRecord> & { id: string }): RequestRecord => {
    const full: RequestRecord = {
      ts: Date.UTC(2026, 11, 7, 9, 0, n++),
      protocol: 'openai',
      route: 'small',
      model: 'tinyllama',
      engine: 'llamacpp',
      complexity: 0.12,
      reasons: [],
      inputTokens: 20,
      outputTokens: 40,
      costMicros: 0,
      allCloudMicros: 660,
      latencyMs: 250,
      ttftMs: 30,
      status: 'ok',
      errorType: null,
      fallbackFrom: [],
      prompt: null,
      response: null,
      ...r,
    };
    const ledger = openSqliteLedger(path.join(dataDir, 'ledger.db')).sync;
    try {
      ledger.record(full);
    } finally {
      ledger.close();
    }
    return full;
  };
  return { dataDir, env, add };
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

/** Every task in the temporary list, read back with the real binary (UDAs typed as the taskrc now says). */
function exportAll(env: NodeJS.ProcessEnv): Array<Record<string, unknown>> {
  const out = execFileSync('task', ['rc.verbose=nothing', 'export'], { env, encoding: 'utf8' });
  return JSON.parse(out) as Array<Record<string, unknown>>;
}

const run = async (s: Setup, ...args: string[]) => {
  const o = sink();
  const code = await runTaskwarrior(args, o.out, s.env);
  return { code, text: o.text() };
};

describe.skipIf(!hasTask)('taskwarrior sync', () => {
  it('writes one completed task per request, with tags and cost UDAs, and a second sync adds nothing', async () => {
    const s = setup();
    const local = s.add({ id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01' });
    const cloud = s.add({
      id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02',
      route: 'cloud',
      model: 'claude-sonnet',
      engine: 'anthropic',
      complexity: 0.81,
      costMicros: 4_200,
      allCloudMicros: 4_200,
    });
    const failed = s.add({ id: 'legacy-id-3', status: 'error', errorType: 'no_model_available', route: 'medium', model: 'phi2' });

    const first = await run(s, 'sync', '--data-dir', s.dataDir);
    expect(first.code).toBe(0);
    expect(first.text).toContain('3 added, 0 already present');
    const tasks = exportAll(s.env);
    expect(tasks).toHaveLength(3);
    const byUuid = new Map(tasks.map((t) => [t.uuid, t]));
    const l = byUuid.get(local.id)!;
    expect(l).toMatchObject({ status: 'completed', project: 'hybrid_ai.router', hai_route: 'small', hai_model: 'tinyllama' });
    expect(l.tags).toEqual(expect.arrayContaining(['route_small', 'model_tinyllama', 'backend_llamacpp']));
    expect(l.hai_cost).toBe(0);
    expect(l.hai_savings).toBeCloseTo(0.00066, 8);
    expect(l.entry).toBe('20261207T090000Z');
    const c = byUuid.get(cloud.id)!;
    expect(c.hai_cost).toBeCloseTo(0.0042, 8);
    expect(c.hai_savings).toBe(0);
    expect(c.tags).toEqual(expect.arrayContaining(['route_cloud', 'backend_anthropic']));
    // A ledger id that is not a UUID gets a stable name-based one.
    const f = byUuid.get(taskUuidFor(failed.id))!;
    expect(f.tags).toEqual(expect.arrayContaining(['error', 'route_medium']));
    expect(f.hai_status).toBe('error:no_model_available');

    // The user edits a task; the next sync neither duplicates nor overwrites anything.
    execFileSync('task', ['rc.verbose=nothing', 'rc.confirmation=off', local.id, 'modify', 'description:checked by hand'], { env: s.env });
    const second = await run(s, 'sync', '--data-dir', s.dataDir);
    expect(second.text).toContain('0 added, 3 already present');
    const again = exportAll(s.env);
    expect(again).toHaveLength(3);
    expect(again.find((t) => t.uuid === local.id)!.description).toBe('checked by hand');

    // A new request: exactly one more task.
    s.add({ id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a04' });
    const third = await run(s, 'sync', '--data-dir', s.dataDir, '--json');
    expect(JSON.parse(third.text)).toMatchObject({ added: 1, alreadyPresent: 3 });
    expect(exportAll(s.env)).toHaveLength(4);
  });

  it('keeps prompts out of Taskwarrior unless asked, and then only what the ledger kept', async () => {
    const s = setup();
    s.add({ id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a11', prompt: 'What is the capital of France?' });
    await run(s, 'sync', '--data-dir', s.dataDir);
    expect(JSON.stringify(exportAll(s.env))).not.toContain('capital of France');

    const t = setup();
    t.add({ id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a12', prompt: 'What is the capital of France?' });
    await run(t, 'sync', '--data-dir', t.dataDir, '--with-prompts');
    expect(exportAll(t.env)[0]!.description).toBe('openai request → tinyllama (small): What is the capital of France?');
  });

  it('writes the UDAs and a hybrid_ai report into the taskrc, which the real `task` then shows', async () => {
    const s = setup();
    s.add({
      id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a21',
      costMicros: 1_500,
      allCloudMicros: 4_000,
      route: 'cloud',
      model: 'claude-haiku',
      engine: 'anthropic',
    });
    await run(s, 'sync', '--data-dir', s.dataDir);
    const rc = readFileSync(s.env.TASKRC!, 'utf8');
    expect(rc).toContain('uda.hai_cost.type=numeric');
    expect(rc).toContain('report.hybrid_ai.filter=project:hybrid_ai.router status:completed');
    const shown = execFileSync('task', ['rc.verbose=nothing', 'rc.defaultwidth=200', 'hybrid_ai'], { env: s.env, encoding: 'utf8' });
    expect(shown).toContain('claude-haiku');
    expect(shown).toContain('0.0015');
  });
});

describe.skipIf(!hasTask)('taskwarrior report', () => {
  it('sums cost, the all-cloud counterfactual and savings by route and model from the tasks', async () => {
    const s = setup();
    for (let i = 0; i < 3; i++) s.add({ id: `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b0${i}`, allCloudMicros: 1_000 });
    s.add({
      id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b10',
      route: 'cloud',
      model: 'claude-sonnet',
      engine: 'anthropic',
      costMicros: 3_000,
      allCloudMicros: 3_000,
    });
    await run(s, 'sync', '--data-dir', s.dataDir);
    const json = await run(s, 'report', '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.text) as Record<string, unknown>;
    expect(r).toMatchObject({ requests: 4, costMicros: 3_000, allCloudMicros: 6_000, savedMicros: 3_000, savedShare: 0.5, errors: 0 });
    expect(r.byRoute).toEqual([
      { name: 'small', requests: 3, costMicros: 0, savedMicros: 3_000 },
      { name: 'cloud', requests: 1, costMicros: 3_000, savedMicros: 0 },
    ]);
    const text = await run(s, 'report');
    expect(text.text).toContain('4 requests in Taskwarrior');
    expect(text.text).toContain('period      2026-12-07 09:00 UTC – 2026-12-07 09:00 UTC');
    expect(text.text).toMatch(/saved\s+\$0\.0030\s+\(50\.0%\)/);
    expect(text.text).toMatch(/small\s+3\s+75\.0%/);
  });

  it('names the problem when the binary is missing or an option is bad', async () => {
    const s = setup();
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => (err.push(String(c)), true)) as typeof process.stderr.write;
    try {
      expect(await runTaskwarrior(['report', '--task-bin', '/nonexistent/task'], sink().out, s.env)).toBe(2);
      expect(await runTaskwarrior(['sync', '--limit', '0'], sink().out, s.env)).toBe(2);
      expect(await runTaskwarrior(['frobnicate'], sink().out, s.env)).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err.join('')).toContain('was not found: install Taskwarrior');
    expect(err.join('')).toContain('invalid --limit "0"');
    expect(err.join('')).toContain('Valid: sync, report');
  });
});

describe('requestToTask', () => {
  it('derives the same UUID for the same non-UUID id, and keeps UUID ids as they are', () => {
    expect(taskUuidFor('legacy-1')).toBe(taskUuidFor('legacy-1'));
    expect(taskUuidFor('legacy-1')).not.toBe(taskUuidFor('legacy-2'));
    expect(taskUuidFor('legacy-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(taskUuidFor('0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A01')).toBe('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01');
  });

  it('sanitises tags and never counts negative savings', () => {
    const t = requestToTask({
      id: 'x',
      ts: 0,
      protocol: 'anthropic',
      route: 'cloud',
      model: 'org/model:7b',
      engine: 'ollama',
      complexity: null,
      reasons: [],
      inputTokens: 1,
      outputTokens: 1,
      costMicros: 900,
      allCloudMicros: 600,
      latencyMs: 1,
      ttftMs: null,
      status: 'aborted',
      errorType: null,
      fallbackFrom: ['phi2 on llamacpp'],
      prompt: 'secret',
      response: null,
    });
    expect(t.tags).toEqual(['route_cloud', 'model_org_model_7b', 'backend_ollama', 'aborted', 'fallback']);
    expect(t.hai_savings).toBe(0);
    expect(t.description).not.toContain('secret');
    expect(t).not.toHaveProperty('hai_complexity');
  });
});

describe.skipIf(!hasTask)('continuous sync (HYBRID_AI_TASKWARRIOR_SYNC)', () => {
  it('the server puts each answered request into Taskwarrior, the last ones on shutdown', async () => {
    const s = setup();
    const gguf = await makeTinyGguf(path.join(s.dataDir, 'tiny.gguf'));
    const saved = { ...process.env };
    Object.assign(process.env, {
      TASKRC: s.env.TASKRC,
      TASKDATA: s.env.TASKDATA,
      HYBRID_AI_TOKEN: 'tw-test-token-0123456789abcdef',
      HYBRID_AI_LOCAL_MODEL: gguf.path,
      HYBRID_AI_TASKWARRIOR_SYNC: '3600',
      HYBRID_AI_MANAGE_OLLAMA: 'off',
      HYBRID_AI_KEYCHAIN: 'off',
      HYBRID_AI_THREADS: '1',
      OLLAMA_HOST: '127.0.0.1:9',
      LOG_LEVEL: 'silent',
    });
    let started: Awaited<ReturnType<typeof startServer>> = null;
    try {
      started = await startServer(['--port', '0', '--host', '127.0.0.1', '--data-dir', s.dataDir, '--tier', '1']);
      const res = await fetch(`${started!.url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer tw-test-token-0123456789abcdef' },
        body: JSON.stringify({ prompt: 'hi', max_tokens: 4 }),
      });
      expect(res.status).toBe(200);
      const rows = await started!.core.ledger.recent(10);
      expect(rows).toHaveLength(1);
      // The hour-long interval has not ticked: the request reaches Taskwarrior through the final sync on stop.
      await started!.stop();
      started = null;
      const tasks = exportAll(s.env);
      expect(tasks.map((t) => t.uuid)).toEqual([rows[0]!.id]);
      expect(tasks[0]).toMatchObject({ hai_backend: 'llamacpp', hai_tokens_out: rows[0]!.outputTokens });
    } finally {
      await started?.stop();
      process.env = saved;
    }
  }, 60_000);
});
