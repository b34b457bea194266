// `hybrid-ai ask "prompt"`: streams one answer through the same core pipeline; the badge goes to stderr.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ChatRequest } from '../contracts/chat.js';
import { isCoreError } from '../errors.js';
import { loadConfig } from '../server/config.js';
import { createCore } from '../server/wiring.js';
import { createLogger } from '../server/logger.js';
import pino from 'pino';

/**
 * Tokens `ask` lets an answer run to unless --max-tokens says otherwise. why: about 750 words, a full terminal
 * answer; it bounds one Claude Sonnet answer at ~1.5 cents ($15 per million output tokens).
 */
export const DEFAULT_ASK_MAX_TOKENS = 1024;

const usage = `Usage: hybrid-ai ask [options] "your prompt"

Answers one prompt through the router (the same pipeline as the server), streaming the answer to stdout; the badge
(route, model, engine, why) and the cost line go to stderr.

Options:
  --model auto|NAME    the model to use (default auto: the router chooses)
  --max-tokens N       longest answer in tokens (default ${DEFAULT_ASK_MAX_TOKENS})
  --local-only         never send the prompt to the cloud
  --tier 1|2|3|4       the machine tier to route for (default: detected)
  --data-dir D         the data directory (default as \`hybrid-ai serve\`)
  -h, --help           this help

Environment: HYBRID_AI_LOCAL_MODEL (a .gguf answering every local route), ANTHROPIC_API_KEY, OLLAMA_HOST
`;

/**
 * The model the badge names: the decision's, which is already the file's name when HYBRID_AI_LOCAL_MODEL serves the
 * local route (routing/policy.ts servedName); the badge shows the whole file name and where it came from.
 */
export function answeredBy(d: { model: string; engine: string }, localModel: string | undefined): string {
  if (!localModel || d.engine !== 'llamacpp') return d.model;
  return `${path.basename(localModel)} (HYBRID_AI_LOCAL_MODEL)`;
}

/** The request `ask` sends: one user turn, the router's choice unless a model is named, the default cap unless one is given. */
export function askRequest(prompt: string, o: { model?: string; maxTokens?: number } = {}): ChatRequest {
  return {
    model: o.model ?? 'auto',
    messages: [{ role: 'user', content: prompt }],
    params: { maxTokens: o.maxTokens ?? DEFAULT_ASK_MAX_TOKENS },
  };
}

export async function runAsk(argv: string[]): Promise<number> {
  let values: { model?: string; 'max-tokens'?: string; 'data-dir'?: string; 'local-only'?: boolean; tier?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        'max-tokens': { type: 'string' },
        'data-dir': { type: 'string' },
        'local-only': { type: 'boolean' },
        tier: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`hybrid-ai ask: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const prompt = positionals.join(' ').trim();
  if (prompt === '') {
    process.stderr.write(usage);
    return 2;
  }
  const maxTokens = values['max-tokens'] === undefined ? DEFAULT_ASK_MAX_TOKENS : Number(values['max-tokens']);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    process.stderr.write(`hybrid-ai ask: invalid --max-tokens "${values['max-tokens']}" (a positive integer)\n`);
    return 2;
  }
  const flags = [
    ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : []),
    ...(values.tier ? ['--tier', values.tier] : []),
    ...(values['local-only'] ? ['--local-only'] : []),
  ];
  const config = loadConfig(flags);
  if (config === 'help') return 0;
  // Logs would interleave with the answer: only warnings, to stderr.
  // One answer does not justify starting an `ollama serve`; a running Ollama (OLLAMA_HOST) is still used.
  const core = await createCore(
    { ...config, manageOllama: false },
    { logger: createLogger({ level: 'warn', destination: pino.destination({ fd: 2, sync: true }) }) },
  );
  await core.hardwareReady; // the tier depends on the GPU found (< 1 s)
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  try {
    const run = await core.pipeline.handle(
      askRequest(prompt, { model: values.model, maxTokens: values['max-tokens'] === undefined ? undefined : maxTokens }),
      { protocol: 'cli' },
      ac.signal,
    );
    const d = run.decision;
    process.stderr.write(
      `[${d.route} · ${answeredBy(d, config.localModel)} on ${d.engine} · complexity ${d.complexity.toFixed(2)}] ${d.reasons.join('; ')}\n`,
    );
    let code = 0;
    let last = '';
    for await (const ev of run.events) {
      if (ev.type === 'text-delta') {
        process.stdout.write(ev.text);
        if (ev.text !== '') last = ev.text;
      } else if (ev.type === 'summary') {
        // The answer ends its line, so the shell prompt (or the next command's output) starts on a fresh one.
        if (last !== '' && !last.endsWith('\n')) process.stdout.write('\n');
        last = '';
        const s = ev.summary;
        process.stderr.write(
          `[${s.usage.inputTokens} in / ${s.usage.outputTokens} out · cost $${(s.costMicros / 1e6).toFixed(6)} · all-cloud $${(s.allCloudMicros / 1e6).toFixed(6)} · ${Math.round(s.latencyMs)} ms]\n`,
        );
      } else if (ev.type === 'error') {
        process.stderr.write(`\nhybrid-ai ask: ${ev.error.message}\n`);
        code = 1;
      }
    }
    return code;
  } catch (e) {
    process.stderr.write(`hybrid-ai ask: ${isCoreError(e) ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await core.close();
  }
}
