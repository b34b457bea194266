// `hybrid-ai tune`: propose new routing thresholds from feedback (thumbs, "retry with Claude"), show the expected effect, apply only if accepted.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { tuningProposal } from '../gateway/feedback-api.js';
import { tuneProposalDto } from '../gateway/models-dto.js';
import { settingKeys } from '../gateway/settings-api.js';
import { openDataDir } from '../host/data-dir.js';
import { defaultThresholds, type ComplexityThresholds } from '../routing/complexity.js';
import { loadConfig } from '../server/config.js';
import { openLedger } from '../server/wiring.js';

const usage = `Usage: hybrid-ai tune [--data-dir D] [--ledger-url URL] [--days N] [--yes] [--json]

Reads the feedback stored in the ledger (thumbs up/down, "retry with Claude"), proposes new complexity
thresholds with the expected change in cloud share and misses, and applies them only when you accept
(or pass --yes). The ledger is the server's: --data-dir's SQLite file, or the PostgreSQL of --ledger-url /
HYBRID_AI_LEDGER_URL. A running server on SQLite uses the new thresholds after a restart (on PostgreSQL within a
second); the Settings screen and POST /api/v1/feedback/tune/apply apply them live.
`;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Run the tuner; `ask` answers the yes/no question (stdin by default). */
export async function runTune(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  ask?: (question: string) => Promise<string>,
): Promise<number> {
  let values: { 'data-dir'?: string; 'ledger-url'?: string; days?: string; yes?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        'ledger-url': { type: 'string' },
        days: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`hybrid-ai tune: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    out.write(usage);
    return 0;
  }
  const days = Number(values.days ?? 30);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    process.stderr.write(`hybrid-ai tune: invalid --days "${values.days}" (a whole number of days from 1 to 3650)\n`);
    return 2;
  }
  const config = loadConfig([
    ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : []),
    ...(values['ledger-url'] ? ['--ledger-url', values['ledger-url']] : []),
  ]);
  if (config === 'help') return 0;
  const ledger = await openLedger(config, openDataDir(config.dataDir).ledgerFile);
  try {
    const current = (await ledger.getSetting<ComplexityThresholds>(settingKeys.thresholds)) ?? defaultThresholds;
    const p = await tuningProposal(ledger, current, Date.now() - days * 86_400_000);
    const changed = p.proposed.medium !== current.medium || p.proposed.cloud !== current.cloud;
    if (values.json) {
      // As GET /api/v1/feedback/tune answers it (snake_case).
      out.write(`${JSON.stringify(tuneProposalDto(p))}\n`);
    } else {
      out.write(
        `feedback over the last ${days} days: ${p.evidence.rated} rated answers, ${p.evidence.localRated} local (${p.evidence.localMisses} misses)\n`,
      );
      out.write(`thresholds now:      medium ${current.medium}  cloud ${current.cloud}\n`);
      out.write(`thresholds proposed: medium ${p.proposed.medium}  cloud ${p.proposed.cloud}\n`);
      out.write(`expected cloud share ${pct(p.expected.cloudShare.before)} → ${pct(p.expected.cloudShare.after)}, `);
      out.write(`misses ${pct(p.expected.missRate.before)} → ${pct(p.expected.missRate.after)} of rated answers\n`);
      for (const r of p.reasons) out.write(`  - ${r}\n`);
    }
    if (!changed) {
      if (!values.json) out.write('nothing to change.\n');
      return 0;
    }
    let accept = values.yes === true;
    if (!accept) {
      if (!ask && !process.stdin.isTTY) {
        out.write('not applied: run with --yes to apply, or answer the question in a terminal.\n');
        return 0;
      }
      const question = 'Apply the proposed thresholds? [y/N] ';
      const answer = ask
        ? await ask(question)
        : await (async () => {
            const rl = createInterface({ input: process.stdin, output: process.stdout });
            try {
              return await rl.question(question);
            } finally {
              rl.close();
            }
          })();
      accept = /^y(es)?$/i.test(answer.trim());
    }
    if (!accept) {
      out.write('not applied.\n');
      return 0;
    }
    await ledger.setSetting(settingKeys.thresholds, p.proposed);
    out.write(
      `applied: medium ${p.proposed.medium}, cloud ${p.proposed.cloud} (${ledger.shared ? 'running servers pick them up within a second' : 'restart a running server to use them'}).\n`,
    );
    return 0;
  } finally {
    await ledger.close();
  }
}
