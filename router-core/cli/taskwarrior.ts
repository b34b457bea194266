// `hybrid-ai taskwarrior sync|report`: every ledger request as a Taskwarrior task, and the cost/routing report over them.
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDataDir } from '../host/data-dir.js';
import {
  costReport,
  ensureTaskrcConfig,
  exportRequestTasks,
  syncRequests,
  TASK_PROJECT,
  taskRunner,
  TaskwarriorError,
  type CostReport,
} from '../host/taskwarrior.js';
import { loadConfig } from '../server/config.js';
import { openLedger } from '../server/wiring.js';

const usage = `Usage: hybrid-ai taskwarrior <command> [options]

Commands:
  sync      write one completed task per ledger request not yet in Taskwarrior (project ${TASK_PROJECT}; tags
            route_*, model_*, backend_*; cost, all-cloud cost and savings as UDAs; the request id as the task UUID,
            so a second sync adds nothing)
  report    the cost report and routing statistics over those tasks

Options:
  --data-dir D       the server's data dir (its SQLite ledger); --ledger-url URL for PostgreSQL (sync)
  --limit N          sync at most the N newest requests (default 100000)
  --with-prompts     put the first 80 characters of each prompt in the task's description (only where the
                     ledger kept it, i.e. with history on); off by default: Taskwarrior files are plain text
  --days N           report on the last N days only (report)
  --json             machine-readable output
  --task-bin PATH    the Taskwarrior binary (default: task on PATH)

Taskwarrior's own TASKRC and TASKDATA choose the task list, as for \`task\` itself. The first sync adds the UDA
definitions and a \`task hybrid_ai\` report to the taskrc. The server syncs continuously with
HYBRID_AI_TASKWARRIOR_SYNC=<seconds> (see the README).
`;

const usd = (micros: number): string => `$${(micros / 1_000_000).toFixed(4)}`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Pure: the report as text (the seed's cost report, then routing statistics by route and by model). */
export function formatReport(r: CostReport): string {
  const lines = [`Hybrid AI cost report: ${r.requests} requests in Taskwarrior (project ${TASK_PROJECT})`];
  if (r.from && r.to) lines.push(`  period      ${readableTaskDate(r.from)} – ${readableTaskDate(r.to)}`);
  lines.push(`  spend       ${usd(r.costMicros)}`);
  lines.push(`  all-cloud   ${usd(r.allCloudMicros)}  (the same requests all sent to the cloud model)`);
  lines.push(`  saved       ${usd(r.savedMicros)}${r.savedShare === null ? '' : `  (${pct(r.savedShare)})`}`);
  lines.push(`  errors      ${r.errors}`);
  const table = (title: string, rows: CostReport['byRoute']): void => {
    lines.push('', title);
    const w = Math.max(8, ...rows.map((x) => x.name.length));
    lines.push(`  ${'name'.padEnd(w)}  requests   share   cost        saved`);
    for (const x of rows) {
      const share = r.requests > 0 ? pct(x.requests / r.requests) : '-';
      lines.push(
        `  ${x.name.padEnd(w)}  ${String(x.requests).padStart(8)}  ${share.padStart(6)}   ${usd(x.costMicros).padEnd(10)}  ${usd(x.savedMicros)}`,
      );
    }
  };
  table('Routing by route', r.byRoute);
  table('Routing by model', r.byModel);
  return `${lines.join('\n')}\n`;
}

/** 20261207T064124Z → 2026-12-07 06:41 UTC (as written when not in Taskwarrior's form). */
function readableTaskDate(s: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})\d{2}Z$/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]} UTC` : s;
}

/** Taskwarrior asks interactively to create a taskrc when there is none; give it an empty one instead. */
function ensureTaskrcFile(env: NodeJS.ProcessEnv): void {
  const rc = env.TASKRC ?? path.join(env.HOME ?? os.homedir(), '.taskrc');
  if (!existsSync(rc)) writeFileSync(rc, '# Taskwarrior configuration (created by hybrid-ai taskwarrior)\n', { flag: 'wx' });
}

/** Run `hybrid-ai taskwarrior …`; exit code 0 on success, 2 on bad usage or a Taskwarrior failure. */
export async function runTaskwarrior(argv: string[], out: NodeJS.WritableStream = process.stdout, env = process.env): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    process.stderr.write(`hybrid-ai taskwarrior: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const cmd = positionals[0];
  if (values.help || cmd === undefined || cmd === 'help') {
    out.write(usage);
    return cmd === undefined && !values.help ? 2 : 0;
  }
  if (cmd !== 'sync' && cmd !== 'report') {
    process.stderr.write(`hybrid-ai taskwarrior: unknown command "${cmd}". Valid: sync, report.\n\n${usage}`);
    return 2;
  }
  const num = (name: 'limit' | 'days', max: number): number | undefined | 'bad' => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isInteger(n) && n >= 1 && n <= max ? n : 'bad';
  };
  const limit = num('limit', 10_000_000);
  const days = num('days', 36_500);
  if (limit === 'bad' || days === 'bad') {
    const which = limit === 'bad' ? `--limit "${values.limit}"` : `--days "${values.days}"`;
    process.stderr.write(`hybrid-ai taskwarrior: invalid ${which} (a whole number, at least 1)\n`);
    return 2;
  }
  const bin = values['task-bin'] ?? 'task';
  try {
    ensureTaskrcFile(env);
    if (cmd === 'sync') return await sync(values, limit ?? 100_000, bin, env, out);
    const tasks = await exportRequestTasks(taskRunner(bin, env));
    const since = days === undefined ? null : Date.now() - days * 86_400_000;
    const inRange = since === null ? tasks : tasks.filter((t) => typeof t.entry === 'string' && parseTaskDate(t.entry) >= since);
    const report = costReport(inRange);
    out.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return 0;
  } catch (e) {
    if (e instanceof TaskwarriorError) {
      process.stderr.write(`hybrid-ai taskwarrior: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function sync(
  values: ReturnType<typeof parse>['values'],
  limit: number,
  bin: string,
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
): Promise<number> {
  const config = loadConfig([
    ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : []),
    ...(values['ledger-url'] ? ['--ledger-url', values['ledger-url']] : []),
  ]);
  if (config === 'help') return 0;
  const ledger = await openLedger(config, openDataDir(config.dataDir).ledgerFile);
  try {
    const configured = await ensureTaskrcConfig(taskRunner(bin, env, false));
    const records = await ledger.recent(limit);
    const r = await syncRequests(taskRunner(bin, env), records, { withPrompts: values['with-prompts'] === true });
    if (values.json) out.write(`${JSON.stringify({ ...r, taskrc_keys_written: configured.length })}\n`);
    else {
      out.write(`taskwarrior sync: ${r.added} added, ${r.alreadyPresent} already present (project ${TASK_PROJECT})\n`);
      if (configured.length > 0) out.write(`taskrc: added the hybrid_ai UDAs and report (\`task hybrid_ai\`)\n`);
    }
    return 0;
  } finally {
    await ledger.close();
  }
}

/** 20261207T040000Z → ms since epoch (NaN when malformed). */
function parseTaskDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      'ledger-url': { type: 'string' },
      limit: { type: 'string' },
      days: { type: 'string' },
      'with-prompts': { type: 'boolean' },
      json: { type: 'boolean' },
      'task-bin': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
}
