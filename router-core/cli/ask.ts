// `hybrid-ai ask "prompt"`: streams one answer through the same core pipeline; the badge goes to stderr.
import { parseArgs } from 'node:util';
import { isCoreError } from '../errors.js';
import { loadConfig } from '../server/config.js';
import { createCore } from '../server/wiring.js';
import { createLogger } from '../server/logger.js';
import pino from 'pino';

export async function runAsk(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      'max-tokens': { type: 'string' },
      'data-dir': { type: 'string' },
      'local-only': { type: 'boolean' },
      tier: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const prompt = positionals.join(' ').trim();
  if (prompt === '') {
    process.stderr.write('Usage: hybrid-ai ask [--model auto|NAME] [--max-tokens N] [--local-only] "your prompt"\n');
    return 2;
  }
  const maxTokens = values['max-tokens'] === undefined ? undefined : Number(values['max-tokens']);
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
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
      { model: values.model ?? 'auto', messages: [{ role: 'user', content: prompt }], params: { maxTokens } },
      { protocol: 'cli' },
      ac.signal,
    );
    const d = run.decision;
    process.stderr.write(`[${d.route} · ${d.model} on ${d.engine} · complexity ${d.complexity.toFixed(2)}] ${d.reasons.join('; ')}\n`);
    let code = 0;
    for await (const ev of run.events) {
      if (ev.type === 'text-delta') process.stdout.write(ev.text);
      else if (ev.type === 'summary') {
        const s = ev.summary;
        process.stderr.write(
          `\n[${s.usage.inputTokens} in / ${s.usage.outputTokens} out · cost $${(s.costMicros / 1e6).toFixed(6)} · all-cloud $${(s.allCloudMicros / 1e6).toFixed(6)} · ${Math.round(s.latencyMs)} ms]\n`,
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
