// Bench child: runs the Ollama stand-in (tests/stand-ins) with zero token delay and prints `{"url","host"}` on stdout.
//
// Usage: tsx bench/upstream.ts [--answer-words N] [--timer-zero]
// Node clamps setTimeout(fn, 0) to 1 ms, and the stand-in awaits `sleep(tokenDelayMs)` once per answer word even when the
// delay is 0, so an "instant" upstream would still wait ~1 ms per word. Unless --timer-zero is given, zero-delay timers in
// this process run as setImmediate, which makes the upstream really instant (only this bench child is affected).
import { parseArgs } from 'node:util';
import { startOllamaStandIn } from '../tests/stand-ins/ollama-server.js';

const { values } = parseArgs({ options: { 'answer-words': { type: 'string' }, 'timer-zero': { type: 'boolean' } } });
const answerWords = Number(values['answer-words'] ?? 8);

if (!values['timer-zero']) {
  const realSetTimeout = globalThis.setTimeout;
  const instant = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): unknown =>
    ms === undefined || ms <= 0 ? setImmediate(fn, ...args) : realSetTimeout(fn, ms, ...args);
  globalThis.setTimeout = instant as unknown as typeof setTimeout;
}

const standIn = await startOllamaStandIn({ tokenDelayMs: 0, models: ['tinyllama:1.1b', 'phi:2.7b'], answerWords });
process.stdout.write(`${JSON.stringify({ url: standIn.url, host: standIn.host, answerWords })}\n`);

const stop = (): void => {
  void standIn.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
// Stop with the parent: stdin closes when the bench process exits, even if it was killed.
process.stdin.on('end', stop);
process.stdin.resume();
