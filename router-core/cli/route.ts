// `hybrid-ai route --tier N`: JSONL {"id","prompt"} on stdin → one JSONL decision per line (pure routing, no engines).
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Availability, Tier } from '../contracts/decision.js';
import { cloudModels, localModels } from '../data/models.js';
import { defaultThresholds } from '../routing/complexity.js';
import { decideRoute, type RoutingConfig } from '../routing/policy.js';

/** Every catalog model available, so the decision reflects the tier's ladder alone. */
const everything = (cloud: boolean): Availability => ({
  engines: {
    llamacpp: { ok: true, models: localModels.map((m) => m.id) },
    anthropic: cloud
      ? { ok: true, models: cloudModels.map((m) => m.id) }
      : { ok: false, models: [], reason: 'cloud disabled by --no-cloud' },
  },
});

export async function runRoute(
  argv: string[],
  input: NodeJS.ReadableStream = process.stdin,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { tier: { type: 'string' }, 'no-cloud': { type: 'boolean' }, 'local-only': { type: 'boolean' } },
    strict: true,
  });
  const tier = Number(values.tier ?? 2);
  if (![1, 2, 3, 4].includes(tier)) {
    process.stderr.write(`hybrid-ai route: invalid --tier "${values.tier}" (valid: 1, 2, 3, 4)\n`);
    return 2;
  }
  const config: RoutingConfig = {
    thresholds: defaultThresholds,
    localOnly: values['local-only'] === true,
    cloudModel: 'claude-sonnet',
    budget: {},
    localEnginePreference: ['llamacpp'],
  };
  const availability = everything(values['no-cloud'] !== true);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let bad = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    let obj: { id?: unknown; prompt?: unknown };
    try {
      obj = JSON.parse(line) as typeof obj;
    } catch {
      out.write(`${JSON.stringify({ id: null, line: lineNo, error: 'not valid JSON: expected {"id", "prompt"}' })}\n`);
      bad++;
      continue;
    }
    if (typeof obj.prompt !== 'string') {
      out.write(`${JSON.stringify({ id: obj.id ?? null, line: lineNo, error: '"prompt" must be a string' })}\n`);
      bad++;
      continue;
    }
    const o = decideRoute({
      request: { model: 'auto', messages: [{ role: 'user', content: obj.prompt }], params: {} },
      config,
      tier: tier as Tier,
      availability,
      spend: { todayMicros: 0, monthMicros: 0 },
    });
    if (!o.ok) {
      out.write(`${JSON.stringify({ id: obj.id ?? null, error: o.error.message })}\n`);
      bad++;
      continue;
    }
    const d = o.decision;
    out.write(
      `${JSON.stringify({ id: obj.id ?? null, route: d.route, model: d.model, complexity: Number(d.complexity.toFixed(3)), reasons: d.reasons })}\n`,
    );
  }
  return bad > 0 ? 1 : 0;
}
