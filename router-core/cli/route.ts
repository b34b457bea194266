// `hybrid-ai route --tier N`: JSONL {"id","prompt"} or {"id","messages"} on stdin → one JSONL decision per line (pure routing, no engines).
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { ChatMessage } from '../contracts/chat.js';
import type { Availability, Tier } from '../contracts/decision.js';
import { cloudModelsOf, defaultCloudModel, localModels } from '../data/models.js';
import { defaultThresholds } from '../routing/complexity.js';
import { decideRoute, type RoutingConfig } from '../routing/policy.js';
import { createNodeRoutingState } from '../routing-state.js';

/** Every catalog model available, so the decision reflects the tier's ladder alone. */
const everything = (cloud: boolean): Availability => ({
  engines: {
    llamacpp: { ok: true, models: localModels.map((m) => m.id) },
    anthropic: cloud
      ? { ok: true, models: cloudModelsOf('anthropic').map((m) => m.id) }
      : { ok: false, models: [], reason: 'cloud disabled by --no-cloud' },
  },
});

const usage = `Usage: hybrid-ai route [--tier 1|2|3|4] [--no-cloud] [--local-only] < prompts.jsonl

Reads JSONL on stdin, one request per line, and writes one routing decision per line (pure routing: no model runs):
  in:  {"id": "a", "prompt": "..."}   or   {"id": "b", "messages": [{"role": "user", "content": "..."}, ...]}
  out: {"id", "route": "small|medium|large|cloud", "model", "complexity", "reasons": [...]}
A bad line gets {"id", "line", "error"} and the exit code is 1.

Options:
  --tier N       the machine tier to route for (default 2)
  --no-cloud     as if no Claude key were set
  --local-only   never route to the cloud
  -h, --help     this help
`;

/** Entry from cli/main.ts: JSONL in, decisions out; returns the exit code. */
export async function runRoute(
  argv: string[],
  input: NodeJS.ReadableStream = process.stdin,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  let values: { tier?: string; 'no-cloud'?: boolean; 'local-only'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tier: { type: 'string' },
        'no-cloud': { type: 'boolean' },
        'local-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`hybrid-ai route: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    out.write(usage);
    return 0;
  }
  const tier = Number(values.tier ?? 2);
  if (![1, 2, 3, 4].includes(tier)) {
    process.stderr.write(`hybrid-ai route: invalid --tier "${values.tier}" (valid: 1, 2, 3, 4)\n`);
    return 2;
  }
  const config: RoutingConfig = {
    thresholds: defaultThresholds,
    localOnly: values['local-only'] === true,
    cloudModel: defaultCloudModel,
    budget: {},
    localEnginePreference: ['llamacpp'],
  };
  const availability = everything(values['no-cloud'] !== true);
  // One routing state for the whole batch: its scratch memory is reused line after line.
  const state = createNodeRoutingState();
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let bad = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    let obj: { id?: unknown; prompt?: unknown; messages?: unknown };
    try {
      obj = JSON.parse(line) as typeof obj;
    } catch {
      out.write(
        `${JSON.stringify({ id: null, line: lineNo, error: 'not valid JSON: expected {"id", "prompt"} or {"id", "messages"}' })}\n`,
      );
      bad++;
      continue;
    }
    const messages = toMessages(obj);
    if (typeof messages === 'string') {
      out.write(`${JSON.stringify({ id: obj.id ?? null, line: lineNo, error: messages })}\n`);
      bad++;
      continue;
    }
    const o = decideRoute({
      request: { model: 'auto', messages, params: {} },
      config,
      tier: tier as Tier,
      availability,
      spend: { todayMicros: 0, monthMicros: 0 },
      state,
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

const ROLES: readonly string[] = ['system', 'user', 'assistant'];

/** The line's conversation: `prompt` as one user turn, or `messages` as /api/v1/chat takes them; else what is wrong. */
function toMessages(obj: { prompt?: unknown; messages?: unknown }): ChatMessage[] | string {
  if (obj.messages === undefined)
    return typeof obj.prompt === 'string' ? [{ role: 'user', content: obj.prompt }] : '"prompt" must be a string';
  if (!Array.isArray(obj.messages) || obj.messages.length === 0) return '"messages" must be a non-empty array of {"role", "content"}';
  const out: ChatMessage[] = [];
  for (const [i, m] of (obj.messages as unknown[]).entries()) {
    const { role, content } = (m ?? {}) as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.includes(role)) return `"messages[${i}].role" must be one of: ${ROLES.join(', ')}`;
    if (typeof content !== 'string') return `"messages[${i}].content" must be a string`;
    out.push({ role: role as ChatMessage['role'], content });
  }
  if (!out.some((m) => m.role === 'user' && m.content.trim() !== ''))
    return '"messages" must include a user message with non-empty content';
  return out;
}
