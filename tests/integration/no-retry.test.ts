// A 503 that asking again cannot fix carries x-should-retry: false, and the official `openai` client then asks once.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let srv: TestServer;
// No local model file, no Ollama, no Claude key: nothing can answer.
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

describe('no model set up', () => {
  it('is a 503 the official client does not retry (one ledger row, not three)', async () => {
    const before = srv.core.ledger.recent(100).length;
    // The SDK's default: two retries of any 5xx, unless the answer says x-should-retry: false.
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: TOKEN, maxRetries: 2 });
    const err = await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }] }).then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(err?.status).toBe(503);
    expect(err?.headers?.get('x-should-retry')).toBe('false');
    expect(srv.core.ledger.recent(100).length - before).toBe(1);
  });
});
