// Example: a content-moderation pipeline on the local API with the official `openai` client.
//
// Each item is classified by a local model first (free, nothing leaves the machine); the answer is a JSON object
// constrained by a schema, so it always parses. Uncertain verdicts (low confidence, or an answer that is not a
// verdict) are escalated to the cloud model, and the run ends with what it cost and what it saved.
//
//   HYBRID_AI_URL=http://127.0.0.1:8787 HYBRID_AI_TOKEN=... npx tsx examples/moderation-pipeline/moderation.ts [file.txt] [--json]
//
// file.txt holds one item per line (default: a built-in sample). Copy this file into your own project: it needs only
// `openai` (npm i openai).
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';

/** The verdicts a moderator can give. */
const LABELS = ['allow', 'review', 'block'] as const;
type Label = (typeof LABELS)[number];

/** Below this confidence the local verdict is only a suggestion and the cloud model decides. */
const ESCALATE_BELOW = 0.7;

const SAMPLE = [
  'Great article, thanks for sharing the benchmark numbers!',
  'Buy cheap followers now!!! visit my profile for a discount code',
  'I disagree with the author, the second chart is misleading.',
  'You are an idiot and everyone here hates you.',
  'Does anyone know when the next release is planned?',
];

const SYSTEM = `You are a content moderator. Classify the user's message as "allow" (fine), "review" (a person should look)
or "block" (spam, abuse or harassment). Answer only with JSON: {"label": "...", "confidence": 0..1, "reason": "..."}.`;

/** The JSON Schema the local model's answer must match (the gateway turns it into a decoding grammar). */
const VERDICT_SCHEMA = {
  type: 'object',
  properties: {
    label: { type: 'string', enum: [...LABELS] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reason: { type: 'string', maxLength: 200 },
  },
  required: ['label', 'confidence', 'reason'],
  additionalProperties: false,
} as const;

/** One item's outcome. Money in US dollars as the gateway reports it (x-hybrid-cost-usd). */
export interface ItemResult {
  text: string;
  local: { model: string; label: Label | null; confidence: number | null };
  /** Asked again because the local verdict was uncertain (of the cloud model when one is configured, else "auto"). */
  escalated: boolean;
  /** route: where the gateway ran the final answer (x-hybrid-route): 'cloud', or a local rung. */
  final: { label: Label | null; model: string; engine: string; route: string };
  costUsd: number;
  allCloudUsd: number;
  requestIds: string[];
}

/** A verdict from a model's answer: the schema's JSON, or failing that the first label named in the text. */
export function parseVerdict(answer: string): { label: Label | null; confidence: number | null } {
  try {
    const v = JSON.parse(answer) as { label?: unknown; confidence?: unknown };
    const label = LABELS.find((l) => l === v.label) ?? null;
    const confidence = typeof v.confidence === 'number' && v.confidence >= 0 && v.confidence <= 1 ? v.confidence : null;
    return { label, confidence };
  } catch {
    const m = new RegExp(`\\b(${LABELS.join('|')})\\b`, 'i').exec(answer);
    return { label: m ? (m[1]!.toLowerCase() as Label) : null, confidence: null };
  }
}

async function ask(client: OpenAI, model: string, text: string, schema: boolean) {
  const { data, response } = await client.chat.completions
    .create({
      model,
      max_tokens: 120,
      temperature: 0,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: text },
      ],
      ...(schema
        ? { response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema: VERDICT_SCHEMA } } }
        : {}),
    })
    .withResponse();
  const h = (name: string): string => response.headers.get(name) ?? '';
  return {
    answer: data.choices[0]?.message.content ?? '',
    model: h('x-hybrid-model') || data.model,
    engine: h('x-hybrid-engine'),
    route: h('x-hybrid-route'),
    costUsd: Number(h('x-hybrid-cost-usd') || 0),
    allCloudUsd: Number(h('x-hybrid-all-cloud-usd') || 0),
    requestId: h('x-request-id'),
  };
}

/** Runs the pipeline over `items`; the local and cloud models are picked from the gateway's model list. */
export async function moderate(
  client: OpenAI,
  items: string[],
): Promise<{ items: ItemResult[]; localModel: string; cloudModel: string | null }> {
  const models = (await client.models.list()).data;
  const localModel = models.find((m) => m.owned_by === 'local')?.id;
  // A cloud model is one owned by a cloud provider (anthropic, openai, gemini, ...); with none, escalation asks "auto".
  const cloudModel = models.find((m) => m.owned_by !== 'local' && m.owned_by !== 'hybrid-ai')?.id ?? null;
  if (!localModel) throw new Error('No local model is available on the gateway: download one (hybrid-ai models pull tinyllama).');
  const results: ItemResult[] = [];
  for (const text of items) {
    const first = await ask(client, localModel, text, true);
    const local = parseVerdict(first.answer);
    const escalated = local.label === null || local.confidence === null || local.confidence < ESCALATE_BELOW;
    const second = escalated ? await ask(client, cloudModel ?? 'auto', text, false) : undefined;
    const final = second ? parseVerdict(second.answer) : local;
    results.push({
      text,
      local: { model: first.model, ...local },
      escalated,
      final: { label: final.label, model: (second ?? first).model, engine: (second ?? first).engine, route: (second ?? first).route },
      costUsd: first.costUsd + (second?.costUsd ?? 0),
      allCloudUsd: first.allCloudUsd + (second?.allCloudUsd ?? 0),
      requestIds: [first.requestId, ...(second ? [second.requestId] : [])],
    });
  }
  return { items: results, localModel, cloudModel };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const file = args.find((a) => !a.startsWith('--'));
  const items = file
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : SAMPLE;
  const client = new OpenAI({
    baseURL: `${process.env.HYBRID_AI_URL ?? 'http://127.0.0.1:8787'}/v1`,
    apiKey: process.env.HYBRID_AI_TOKEN ?? '',
  });
  const run = await moderate(client, items);
  const cost = run.items.reduce((s, r) => s + r.costUsd, 0);
  const allCloud = run.items.reduce((s, r) => s + r.allCloudUsd, 0);
  const summary = {
    items: run.items.length,
    escalated: run.items.filter((r) => r.escalated).length,
    // Counted by where the gateway says the final answer ran, not by what was asked for.
    answered_by_cloud: run.items.filter((r) => r.final.route === 'cloud').length,
    cost_usd: Number(cost.toFixed(6)),
    all_cloud_usd: Number(allCloud.toFixed(6)),
    saved_usd: Number(Math.max(0, allCloud - cost).toFixed(6)),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...run, summary })}\n`);
    return;
  }
  for (const r of run.items) {
    const verdict = r.final.label ?? 'undecided';
    const where = r.final.route === 'cloud' ? 'the cloud' : 'this machine';
    const how = r.escalated ? `escalated to ${r.final.model} (${where})` : `local ${r.local.model} (${r.local.confidence?.toFixed(2)})`;
    process.stdout.write(`${verdict.padEnd(9)} ${how.padEnd(40)} ${r.text.slice(0, 60)}\n`);
  }
  process.stdout.write(
    `\n${summary.items} items, ${summary.escalated} escalated, ${summary.answered_by_cloud} answered by the cloud; spent $${cost.toFixed(4)} ` +
      `instead of $${allCloud.toFixed(4)} all-cloud (saved $${summary.saved_usd.toFixed(4)})\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`moderation: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
