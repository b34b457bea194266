// Example: a customer-support router on the local API with the official `openai` client.
//
// Each ticket is triaged by the gateway's complexity estimate (POST /api/v1/complexity, no answer generated): simple
// ones are answered by the router's choice (a local model for anything simple), hard ones get a draft from the cloud
// model for an agent to check. The run ends with the cost, what the same answers would have cost all-cloud, and the
// saving.
//
//   HYBRID_AI_URL=http://127.0.0.1:8787 HYBRID_AI_TOKEN=... npx tsx examples/support-router/support.ts [tickets.jsonl] [--json]
//
// tickets.jsonl: one {"id": "...", "text": "..."} per line (default: a built-in sample). Needs only `openai`.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';

interface Ticket {
  id: string;
  text: string;
}

const SAMPLE: Ticket[] = [
  { id: 'T-1', text: 'How do I reset my password?' },
  { id: 'T-2', text: 'What are your opening hours on Saturday?' },
  {
    id: 'T-3',
    text:
      'Our nightly export job started failing after we upgraded to v3.2: the CSV has duplicated rows whenever an order ' +
      'was refunded and re-opened on the same day, and totals in the finance dashboard no longer reconcile with the ' +
      'ledger. Walk me through how to diagnose whether this is the upgrade or our webhook handler, and how to repair the ' +
      'historical exports without double-counting revenue.',
  },
  { id: 'T-4', text: 'Can I change the email address on my account?' },
];

/** One ticket's outcome. Money in US dollars as the gateway reports it. */
export interface TicketResult {
  id: string;
  triage: { level: string; complexity: number; route: string | null };
  handling: 'answered' | 'drafted';
  /** Where the gateway ran it (x-hybrid-route): 'cloud', or the local rung ('small', 'medium', ...). */
  route: string;
  model: string;
  engine: string;
  reply: string;
  costUsd: number;
  allCloudUsd: number;
}

/** The gateway's routing decision for a ticket, without generating an answer. */
async function triage(base: string, token: string, text: string): Promise<TicketResult['triage']> {
  const res = await fetch(`${base}/api/v1/complexity`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: text }),
  });
  if (!res.ok) throw new Error(`complexity: HTTP ${res.status} ${await res.text()}`);
  // level: the band (small | medium | cloud) after the thresholds; route: where the router would send it now.
  const j = (await res.json()) as { level: string; complexity: number; route: string | null };
  return { level: j.level, complexity: j.complexity, route: j.route };
}

/** Triage and answer every ticket. */
export async function routeTickets(base: string, token: string, tickets: Ticket[]): Promise<TicketResult[]> {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: token });
  const models = (await client.models.list()).data;
  // A cloud model is one owned by a cloud provider (anthropic, openai, gemini, ...): neither local nor the router's own.
  const cloudModel = models.find((m) => m.owned_by !== 'local' && m.owned_by !== 'hybrid-ai')?.id;
  const out: TicketResult[] = [];
  for (const t of tickets) {
    const tri = await triage(base, token, t.text);
    const hard = tri.level === 'cloud';
    // Hard tickets: a draft from the cloud model when one is configured (else the router's best); simple: `auto`.
    const model = hard && cloudModel ? cloudModel : 'auto';
    const system = hard
      ? 'You draft replies for a support agent to review. Be precise, list the steps, and say what to verify.'
      : 'You are a friendly support assistant. Answer briefly.';
    const { data, response } = await client.chat.completions
      .create({
        model,
        max_tokens: hard ? 400 : 120,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: t.text },
        ],
      })
      .withResponse();
    const h = (name: string): string => response.headers.get(name) ?? '';
    out.push({
      id: t.id,
      triage: tri,
      handling: hard ? 'drafted' : 'answered',
      route: h('x-hybrid-route'),
      model: h('x-hybrid-model') || data.model,
      engine: h('x-hybrid-engine'),
      reply: data.choices[0]?.message.content ?? '',
      costUsd: Number(h('x-hybrid-cost-usd') || 0),
      allCloudUsd: Number(h('x-hybrid-all-cloud-usd') || 0),
    });
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const file = args.find((a) => !a.startsWith('--'));
  const tickets = file
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Ticket)
    : SAMPLE;
  const base = process.env.HYBRID_AI_URL ?? 'http://127.0.0.1:8787';
  const results = await routeTickets(base, process.env.HYBRID_AI_TOKEN ?? '', tickets);
  const cost = results.reduce((s, r) => s + r.costUsd, 0);
  const allCloud = results.reduce((s, r) => s + r.allCloudUsd, 0);
  const summary = {
    tickets: results.length,
    // Counted by where the gateway says each ran, whichever cloud is configured.
    answered_locally: results.filter((r) => r.route !== 'cloud').length,
    drafted_by_cloud: results.filter((r) => r.route === 'cloud').length,
    cost_usd: Number(cost.toFixed(6)),
    all_cloud_usd: Number(allCloud.toFixed(6)),
    saved_usd: Number(Math.max(0, allCloud - cost).toFixed(6)),
    saved_pct: allCloud > 0 ? Number(((100 * Math.max(0, allCloud - cost)) / allCloud).toFixed(1)) : 0,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ tickets: results, summary })}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(
      `${r.id.padEnd(6)} ${r.triage.level.padEnd(13)} ${r.handling.padEnd(9)} ${r.model.padEnd(16)} $${r.costUsd.toFixed(4)}\n`,
    );
  }
  process.stdout.write(
    `\n${summary.tickets} tickets: ${summary.answered_locally} answered locally, ${summary.drafted_by_cloud} drafted by the cloud; ` +
      `spent $${cost.toFixed(4)} instead of $${allCloud.toFixed(4)} all-cloud (saved ${summary.saved_pct}%)\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`support-router: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
