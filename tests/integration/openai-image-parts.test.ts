// A chat completion with an image (or audio, or file) content part is refused with a message a caller can act on:
// the part's type is named, with what is read instead (text) and that this server reads text only, as /api/chat says
// for Ollama's `images`. Before, it read `Invalid input: expected "text"`. A text part still answers. Official `openai`
// client, real gateway on loopback, real llama.cpp on the generated GGUF.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
let client: OpenAI;

beforeAll(async () => {
  gw = await startRealGateway();
  client = new OpenAI({ baseURL: `${gw.srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await gw?.close();
});

async function refusal(content: OpenAI.ChatCompletionContentPart[]): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await client.chat.completions.create({ model: 'auto', max_tokens: 4, messages: [{ role: 'user', content }] });
  } catch (e) {
    if (e instanceof OpenAI.APIError) return e;
    throw e;
  }
  throw new Error('the request was answered');
}

describe('/v1/chat/completions content parts', () => {
  it('an image_url part is a 400 naming its type and that only text is read', async () => {
    const e = await refusal([
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ]);
    expect(e.status).toBe(400);
    expect(e.error).toMatchObject({ type: 'invalid_request_error', param: 'messages[0].content[1].type', code: 'invalid_request' });
    expect(e.message).toMatch(/content of type "image_url" is not supported \(valid: text\): this server reads text only/);
  });

  it('an input_audio part is refused the same way', async () => {
    const e = await refusal([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }]);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/content of type "input_audio" is not supported/);
  });

  it('text parts still answer from llama.cpp', async () => {
    const r = await client.chat.completions.create({
      model: 'auto',
      max_tokens: 4,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    });
    expect(r.choices[0]?.message.role).toBe('assistant');
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
  });
});
