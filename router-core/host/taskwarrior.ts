// Taskwarrior tracking: one completed task per ledger request (project hybrid_ai.router), written with the real `task`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { RequestRecord } from '../ledger/ledger.js';

/** The Taskwarrior project every request task belongs to (the name the seed's reports filter on). */
export const TASK_PROJECT = 'hybrid_ai.router';

/**
 * User-defined attributes each task carries. Money in dollars (Taskwarrior's numeric is a double; the ledger keeps
 * integer micro-dollars and this is the edge where it is formatted).
 */
export const TASK_UDAS = {
  hai_cost: { type: 'numeric', label: 'Cost $' },
  hai_allcloud: { type: 'numeric', label: 'All-cloud $' },
  hai_savings: { type: 'numeric', label: 'Saved $' },
  hai_route: { type: 'string', label: 'Route' },
  hai_model: { type: 'string', label: 'Model' },
  hai_backend: { type: 'string', label: 'Backend' },
  hai_tokens_in: { type: 'numeric', label: 'Tokens in' },
  hai_tokens_out: { type: 'numeric', label: 'Tokens out' },
  hai_latency_ms: { type: 'numeric', label: 'Latency ms' },
  hai_complexity: { type: 'numeric', label: 'Complexity' },
  hai_status: { type: 'string', label: 'Outcome' },
} as const;

/** The task as `task import` reads it (and `task export` writes it back). */
export interface RequestTask {
  uuid: string;
  description: string;
  status: 'completed';
  entry: string;
  end: string;
  project: string;
  tags: string[];
  hai_cost: number;
  hai_allcloud: number;
  hai_savings: number;
  hai_route: string;
  hai_model: string;
  hai_backend: string;
  hai_tokens_in: number;
  hai_tokens_out: number;
  hai_latency_ms: number;
  hai_complexity?: number;
  hai_status: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request id when it is a UUID (the gateway's ids are), else a stable name-based UUID from it (sha1, v5 layout). */
export function taskUuidFor(requestId: string): string {
  if (UUID_RE.test(requestId)) return requestId.toLowerCase();
  const h = createHash('sha1').update(`hybrid-ai:request:${requestId}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Taskwarrior's date form: 20261207T040000Z. */
export function taskDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** A tag Taskwarrior accepts (no spaces, colons or signs): other characters become '_'. */
export function taskTag(prefix: string, value: string): string {
  return `${prefix}_${value.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

const dollars = (micros: number): number => Math.round(micros) / 1_000_000;

/**
 * Pure: the task for one request. The prompt goes into the description only when asked for and when the ledger kept
 * it (history on): a Taskwarrior file is plain text that other tools sync and read.
 */
export function requestToTask(r: RequestRecord, opts: { withPrompts?: boolean } = {}): RequestTask {
  const route = r.route ?? 'none';
  const model = r.model ?? 'none';
  const backend = r.engine ?? 'none';
  const snippet = opts.withPrompts && r.prompt ? r.prompt.replace(/\s+/g, ' ').trim().slice(0, 80) : '';
  const what = `${r.protocol} request → ${model} (${route})`;
  const tags = [taskTag('route', route), taskTag('model', model), taskTag('backend', backend)];
  if (r.status !== 'ok') tags.push(r.status === 'aborted' ? 'aborted' : 'error');
  if (r.fallbackFrom.length > 0) tags.push('fallback');
  const task: RequestTask = {
    uuid: taskUuidFor(r.id),
    description: snippet ? `${what}: ${snippet}` : what,
    status: 'completed',
    entry: taskDate(r.ts),
    end: taskDate(r.ts + Math.max(0, r.latencyMs)),
    project: TASK_PROJECT,
    tags,
    hai_cost: dollars(r.costMicros),
    hai_allcloud: dollars(r.allCloudMicros),
    hai_savings: dollars(Math.max(0, r.allCloudMicros - r.costMicros)),
    hai_route: route,
    hai_model: model,
    hai_backend: backend,
    hai_tokens_in: r.inputTokens,
    hai_tokens_out: r.outputTokens,
    hai_latency_ms: Math.round(r.latencyMs),
    hai_status: r.errorType ? `${r.status}:${r.errorType}` : r.status,
  };
  if (r.complexity !== null) task.hai_complexity = Math.round(r.complexity * 1000) / 1000;
  return task;
}

/** One route's or model's line in the cost report. Money in micro-dollars. */
export interface ReportRow {
  name: string;
  requests: number;
  costMicros: number;
  savedMicros: number;
}

/** The cost report and routing statistics over the request tasks. Money in micro-dollars. */
export interface CostReport {
  requests: number;
  errors: number;
  costMicros: number;
  allCloudMicros: number;
  savedMicros: number;
  /** saved ÷ all-cloud, 0..1; null with no cloud counterfactual at all. */
  savedShare: number | null;
  byRoute: ReportRow[];
  byModel: ReportRow[];
  from: string | null;
  to: string | null;
}

const micros = (d: unknown): number => (typeof d === 'number' && Number.isFinite(d) ? Math.round(d * 1_000_000) : 0);

/** Pure: the report over tasks as `task export` gives them (only this project's tasks are counted). */
export function costReport(tasks: ReadonlyArray<Record<string, unknown>>): CostReport {
  const mine = tasks.filter((t) => t.project === TASK_PROJECT);
  const rows = (key: 'hai_route' | 'hai_model'): ReportRow[] => {
    const m = new Map<string, ReportRow>();
    for (const t of mine) {
      const name = typeof t[key] === 'string' ? (t[key] as string) : 'unknown';
      const row = m.get(name) ?? { name, requests: 0, costMicros: 0, savedMicros: 0 };
      row.requests += 1;
      row.costMicros += micros(t.hai_cost);
      row.savedMicros += micros(t.hai_savings);
      m.set(name, row);
    }
    return [...m.values()].sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
  };
  const costMicros = mine.reduce((s, t) => s + micros(t.hai_cost), 0);
  const allCloudMicros = mine.reduce((s, t) => s + micros(t.hai_allcloud), 0);
  const savedMicros = mine.reduce((s, t) => s + micros(t.hai_savings), 0);
  const dates = mine
    .map((t) => (typeof t.entry === 'string' ? t.entry : ''))
    .filter(Boolean)
    .sort();
  return {
    requests: mine.length,
    errors: mine.filter((t) => typeof t.hai_status === 'string' && !t.hai_status.startsWith('ok')).length,
    costMicros,
    allCloudMicros,
    savedMicros,
    savedShare: allCloudMicros > 0 ? savedMicros / allCloudMicros : null,
    byRoute: rows('hai_route'),
    byModel: rows('hai_model'),
    from: dates[0] ?? null,
    to: dates.at(-1) ?? null,
  };
}

/** Raised when the `task` binary is missing or fails; the message says what to do. */
export class TaskwarriorError extends Error {}

/** Runs the `task` binary with our overrides; TASKRC and TASKDATA from the environment are honoured as `task` does. */
export interface TaskRunner {
  (args: string[], stdin?: string): Promise<string>;
}

/**
 * The real runner: `task rc.verbose=nothing rc.confirmation=off …`, by default with the UDAs defined for the call
 * (so import/export keep their types even before the taskrc has them); `withUdas: false` sees the taskrc as it is.
 */
export function taskRunner(bin = 'task', env: NodeJS.ProcessEnv = process.env, withUdas = true): TaskRunner {
  const udaArgs = withUdas
    ? Object.entries(TASK_UDAS).flatMap(([name, u]) => [`rc.uda.${name}.type=${u.type}`, `rc.uda.${name}.label=${u.label}`])
    : [];
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        bin,
        ['rc.verbose=nothing', 'rc.confirmation=off', 'rc.hooks=off', ...udaArgs, ...args],
        { env, maxBuffer: 512 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) {
            const code = (err as NodeJS.ErrnoException).code;
            reject(
              new TaskwarriorError(
                code === 'ENOENT'
                  ? `the Taskwarrior binary "${bin}" was not found: install Taskwarrior (Debian/Ubuntu: apt install taskwarrior; macOS: brew install task)`
                  : `task ${args[0] ?? ''} failed: ${(stderr || err.message).trim()}`,
              ),
            );
          } else resolve(stdout);
        },
      );
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
}

/** Every task of our project, as `task export` gives it. */
export async function exportRequestTasks(task: TaskRunner): Promise<Array<Record<string, unknown>>> {
  const out = await task([`project:${TASK_PROJECT}`, 'export']);
  const trimmed = out.trim();
  if (!trimmed) return [];
  const parsed = JSON.parse(trimmed) as unknown;
  return Array.isArray(parsed) ? (parsed as Array<Record<string, unknown>>) : [];
}

/** What one sync did. */
export interface SyncResult {
  added: number;
  alreadyPresent: number;
}

/**
 * Imports the requests not yet in Taskwarrior (matched by UUID, so a second sync adds nothing and never rewrites a
 * task the user edited). `known` (optional) carries the UUIDs seen by an earlier sync of the same process.
 */
export async function syncRequests(
  task: TaskRunner,
  records: readonly RequestRecord[],
  opts: { withPrompts?: boolean; known?: Set<string> } = {},
): Promise<SyncResult> {
  const known = opts.known ?? new Set<string>();
  if (known.size === 0) for (const t of await exportRequestTasks(task)) if (typeof t.uuid === 'string') known.add(t.uuid);
  const fresh = records.map((r) => requestToTask(r, opts)).filter((t) => !known.has(t.uuid));
  if (fresh.length > 0) {
    await task(['import', '-'], JSON.stringify(fresh));
    for (const t of fresh) known.add(t.uuid);
  }
  return { added: fresh.length, alreadyPresent: records.length - fresh.length };
}

/**
 * Writes the UDA definitions and a `hybrid_ai` report into the user's taskrc once, so `task hybrid_ai` and other
 * reports show the columns (without them Taskwarrior keeps the values but shows them as orphans). `task` must be a
 * runner without UDA overrides (`taskRunner(bin, env, false)`), or every key would look present already.
 */
export async function ensureTaskrcConfig(task: TaskRunner): Promise<string[]> {
  const wanted: Array<[string, string]> = [
    ...Object.entries(TASK_UDAS).flatMap(([name, u]): Array<[string, string]> => [
      [`uda.${name}.type`, u.type],
      [`uda.${name}.label`, u.label],
    ]),
    ['report.hybrid_ai.description', 'Hybrid AI requests: route, model, cost and savings'],
    ['report.hybrid_ai.columns', 'end,hai_route,hai_model,hai_backend,hai_tokens_in,hai_tokens_out,hai_cost,hai_savings,description'],
    ['report.hybrid_ai.labels', 'Done,Route,Model,Backend,In,Out,Cost $,Saved $,Description'],
    ['report.hybrid_ai.filter', `project:${TASK_PROJECT} status:completed`],
    ['report.hybrid_ai.sort', 'end-'],
  ];
  const written: string[] = [];
  for (const [key, value] of wanted) {
    if ((await task(['_get', `rc.${key}`])).trim() === value) continue;
    await task(['config', key, value]);
    written.push(key);
  }
  return written;
}

/** The server's continuous sync: started when HYBRID_AI_TASKWARRIOR_SYNC is set; `stop` runs one last sync. */
export interface TaskwarriorSyncer {
  /** One sync now (also what each tick does); resolves with what it did. */
  syncNow(): Promise<SyncResult>;
  stop(): Promise<void>;
}

/**
 * Syncs the newest requests every `intervalS` seconds. A failure (no binary, a locked task list) is logged once per
 * distinct message and retried on the next tick; it never touches the request path.
 */
export function startTaskwarriorSync(deps: {
  recent: (limit: number) => Promise<RequestRecord[]>;
  intervalS: number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  task?: TaskRunner;
  configTask?: TaskRunner;
  /** Requests per tick: more than arrive between two ticks on any one machine. */
  batch?: number;
}): TaskwarriorSyncer {
  const task = deps.task ?? taskRunner();
  const configTask = deps.configTask ?? taskRunner('task', process.env, false);
  const known = new Set<string>();
  let configured = false;
  let lastError = '';
  let running: Promise<SyncResult> | undefined;
  const once = async (): Promise<SyncResult> => {
    if (!configured) {
      await ensureTaskrcConfig(configTask);
      configured = true;
    }
    return syncRequests(task, await deps.recent(deps.batch ?? 1_000), { known });
  };
  const syncNow = (): Promise<SyncResult> =>
    (running ??= once()
      .then(
        (r) => {
          if (r.added > 0) deps.log.info({ added: r.added }, 'taskwarrior sync');
          lastError = '';
          return r;
        },
        (e: unknown) => {
          const msg = (e as Error).message;
          if (msg !== lastError) deps.log.warn({ err: msg }, 'taskwarrior sync failed; retrying on the next tick');
          lastError = msg;
          return { added: 0, alreadyPresent: 0 };
        },
      )
      .finally(() => (running = undefined)));
  const timer = setInterval(() => void syncNow(), deps.intervalS * 1000);
  timer.unref();
  return {
    syncNow,
    async stop() {
      clearInterval(timer);
      await syncNow();
    },
  };
}
