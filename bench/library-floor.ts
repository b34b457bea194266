// Bench child: the smallest gateway made of the libraries the project requires (Fastify + the official `ollama` client
// over the gateway's own fetch on undici's request API), with no routing, ledger, auth or metrics: a second baseline for overhead.
//
// Usage: node bench/library-floor.js <ollama-host> (or tsx); prints `{"url"}` on stdout. POST /api/v1/chat {"prompt"}
// asks the upstream for one whole answer (stream:false) and returns {"text"}.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { Ollama } from 'ollama';
import { nodeFetch } from '../router-core/engines/node-fetch.js';

const host = process.argv[2] ?? 'http://127.0.0.1:11434';
const client = new Ollama({ host, fetch: ((input: string | URL | Request, init?: RequestInit) => nodeFetch(input, init)) as typeof fetch });
const app = Fastify({ logger: false });
app.post('/api/v1/chat', async (req) => {
  const { prompt } = req.body as { prompt: string };
  const r = await client.chat({ model: 'tinyllama:1.1b', messages: [{ role: 'user', content: prompt }], stream: false });
  return { text: r.message.content };
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` })}\n`);
const stop = (): void => void app.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
