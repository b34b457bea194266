// Stored responses with history off (the headless default) are kept sealed: the AI SDK's default OpenAI provider
// (item_reference to earlier answers) and previous_response_id continue a conversation, while the SQLite file holds
// neither the answers nor the ids in the clear. Real gateway on loopback, the Claude stand-in as the model.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import Database from 'better-sqlite3';
import { generateText, type ModelMessage } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-sealed-responses-key';
let claude: AnthropicStandIn;
let srv: TestServer;
/** Added to the server's clock: moves it past the sealed responses' lifetime. */
let skewMs = 0;

beforeAll(async () => {
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1 });
  // No --history: history is off, as a headless server starts.
  srv = await startTestServer({
    env: { ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url },
    args: ['--tier', '2'],
    now: () => Date.now() + skewMs,
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await claude?.close();
});

const client = (apiKey = TOKEN) => new OpenAI({ baseURL: `${srv.url}/v1`, apiKey, maxRetries: 0 });
const lastClaudeMessages = () => (claude.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> }).messages;
const notFound = async (p: Promise<unknown>, param: string, message?: string) => {
  const e = await p.catch((err: unknown) => err);
  expect(e).toBeInstanceOf(OpenAI.NotFoundError);
  expect((e as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
    type: 'invalid_request_error',
    param,
    ...(message ? { message } : {}),
  });
};
const newKey = async (name: string): Promise<string> => {
  const r = await fetch(`${srv.url}/api/v1/keys`, {
    method: 'POST',
    headers: { ...srv.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { key: string }).key;
};

describe('history off: stored responses are sealed', () => {
  it("the AI SDK's default OpenAI provider holds a multi-turn chat: its second turn's item_reference is answered with the earlier turns", async () => {
    expect(srv.core.config.history).toBe(false);
    const sent: unknown[] = [];
    const openai = createOpenAI({
      baseURL: `${srv.url}/v1`,
      apiKey: TOKEN,
      fetch: async (url, init) => {
        if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
        return fetch(url, init);
      },
    });
    const messages: ModelMessage[] = [{ role: 'user', content: 'sealed first question' }];
    const one = await generateText({ model: openai('claude-sonnet'), messages, maxOutputTokens: 40 });
    expect(one.text).toMatch(/^Stand-in Claude heard: sealed first question/);
    messages.push(...one.response.messages, { role: 'user', content: 'sealed second question' });
    const two = await generateText({ model: openai('claude-sonnet'), messages, maxOutputTokens: 40 });
    expect(two.text).toMatch(/^Stand-in Claude heard: sealed second question/);
    // The SDK sent its earlier answer by reference only (store defaults to true)…
    const input = (sent.at(-1) as { input: Array<{ type?: string; id?: string }> }).input;
    expect(input.map((i) => i.type ?? 'message')).toEqual(['message', 'item_reference', 'message']);
    expect(input[1]!.id).toMatch(/^msg_[0-9a-f]{48}$/);
    // …and the model received every turn.
    expect(lastClaudeMessages()).toEqual([
      { role: 'user', content: 'sealed first question' },
      { role: 'assistant', content: one.text },
      { role: 'user', content: 'sealed second question' },
    ]);
  });

  it('previous_response_id continues; GET and input_items find it; the response says store: true; DELETE removes it', async () => {
    const first = await client().responses.create({
      model: 'claude-sonnet',
      instructions: 'Old rules.',
      input: 'alpha sealed',
      max_output_tokens: 5,
    });
    expect(first.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect((first as unknown as { store: boolean }).store).toBe(true);
    expect(first.output[0]!.id).toBe(`msg_${first.id.slice('resp_'.length)}`);
    expect(await client().responses.retrieve(first.id)).toMatchObject({ id: first.id, output: first.output, usage: first.usage });
    expect((await client().responses.inputItems.list(first.id)).data).toHaveLength(1);
    const second = await client().responses.create({ model: 'claude-sonnet', previous_response_id: first.id, input: 'gamma sealed' });
    expect(second.output_text).toMatch(/^Stand-in Claude heard: gamma sealed/);
    expect(second.previous_response_id).toBe(first.id);
    expect(lastClaudeMessages()).toEqual([
      { role: 'user', content: 'alpha sealed' },
      { role: 'assistant', content: first.output_text },
      { role: 'user', content: 'gamma sealed' },
    ]);
    // Streamed answers are sealed under the ids the stream showed.
    const stream = await client().responses.create({
      model: 'claude-sonnet',
      previous_response_id: second.id,
      input: 'delta',
      stream: true,
    });
    let done: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) if (ev.type === 'response.completed') done = ev.response;
    expect((await client().responses.retrieve(done!.id)).output).toEqual(done!.output);
    expect(lastClaudeMessages()).toHaveLength(5);
    // store: false keeps nothing, as before.
    const unkept = await client().responses.create({ model: 'claude-sonnet', input: 'not kept', store: false, max_output_tokens: 3 });
    expect((unkept as unknown as { store: boolean }).store).toBe(false);
    await notFound(client().responses.retrieve(unkept.id), 'response_id');
    expect(await client().responses.delete(first.id)).toMatchObject({ id: first.id, deleted: true });
    await notFound(client().responses.retrieve(first.id), 'response_id', `Response with id '${first.id}' not found.`);
    // A continuation of the deleted one is refused too (a chat request, logged by the pipeline).
    await client()
      .responses.create({ model: 'claude-sonnet', previous_response_id: first.id, input: 'again' })
      .catch(() => undefined);
    // The id's secret part is the key that opens the sealed body: no log line may hold it (a log file beside the
    // database would open it again), not the access log of GET/DELETE (refused ones are logged at info), not the
    // pipeline's line for the refused continuation.
    const logs = srv.logs.join('');
    expect(logs).toContain('/v1/responses');
    for (const id of [first.id, second.id, done!.id]) expect(logs).not.toContain(id.slice('resp_'.length, 'resp_'.length + 16));
  });

  it('the database holds neither the answer text nor the response or item ids in the clear', async () => {
    const secretWord = 'quokka-sealed-4711';
    const r = await client().responses.create({ model: 'claude-sonnet', input: `tell me about ${secretWord}`, max_output_tokens: 40 });
    expect(r.output_text).toContain(secretWord);
    const part = r.id.slice('resp_'.length);
    // The request row (no text with history off) is written as the answer ends: let it land, so it is checked too.
    await new Promise((r) => setTimeout(r, 100));
    const file = path.join(srv.dataDir, 'ledger.db');
    const db = new Database(file, { readonly: true });
    try {
      // Rows: one sealed response per kept answer, none readable; the stored_responses table (history on) is empty.
      expect(db.prepare('SELECT COUNT(*) AS n FROM stored_responses').get()).toEqual({ n: 0 });
      const rows = db.prepare('SELECT key, owner, body FROM sealed_responses').all() as Array<{ key: string; owner: string; body: string }>;
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.body).toMatch(/^sealed:v1:/);
        expect(row.key).toMatch(/^[0-9a-f]{64}$/);
        expect(row.key).not.toContain(part);
      }
      // Every row of every table: no answer, no id.
      const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map(
        (t) => t.name,
      );
      for (const t of tables) {
        const dump = JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all(), (_k, v: unknown) =>
          Buffer.isBuffer(v) ? v.toString('latin1') : v,
        );
        expect(dump, t).not.toContain(secretWord);
        expect(dump, t).not.toContain(part);
      }
    } finally {
      db.close();
    }
    // The file's bytes, its write-ahead log included: nothing readable there either.
    for (const f of [file, `${file}-wal`].filter((f) => existsSync(f))) {
      const bytes = readFileSync(f).toString('latin1');
      expect(bytes, f).not.toContain(secretWord);
      expect(bytes, f).not.toContain(part);
    }
    // And still the id's holder reads it.
    expect((await client().responses.retrieve(r.id)).output_text).toBe(r.output_text);
  });

  it("another caller's key can neither read, continue, reference nor delete a sealed response", async () => {
    const a = await newKey('sealed app A');
    const b = await newKey('sealed app B');
    const ra = await client(a).responses.create({ model: 'claude-sonnet', input: 'owned sealed words', max_output_tokens: 3 });
    expect((await client(a).responses.retrieve(ra.id)).id).toBe(ra.id);
    for (const key of [b, TOKEN]) {
      await notFound(client(key).responses.retrieve(ra.id), 'response_id');
      await notFound(client(key).responses.inputItems.list(ra.id), 'response_id');
      await notFound(client(key).responses.delete(ra.id), 'response_id');
      await notFound(
        client(key).responses.create({ model: 'claude-sonnet', input: 'x', previous_response_id: ra.id }),
        'previous_response_id',
      );
      await notFound(
        client(key).responses.create({ model: 'claude-sonnet', input: [{ type: 'item_reference', id: ra.output[0]!.id! }] }),
        'input[0].id',
      );
    }
    // Nothing was deleted by the refused calls; its owner continues it.
    const next = await client(a).responses.create({ model: 'claude-sonnet', input: 'more', previous_response_id: ra.id });
    expect(next.previous_response_id).toBe(ra.id);
  });

  it("an unknown, forged or expired id is OpenAI's 404", async () => {
    const r = await client().responses.create({ model: 'claude-sonnet', input: 'short lived', max_output_tokens: 3 });
    // A well-formed id with another secret: not found (nor opened).
    const forged = `resp_${'0'.repeat(48)}`;
    await notFound(client().responses.retrieve(forged), 'response_id', `Response with id '${forged}' not found.`);
    await notFound(client().responses.create({ model: 'auto', input: 'hi', previous_response_id: 'resp_nope' }), 'previous_response_id');
    await notFound(client().responses.create({ model: 'auto', input: [{ type: 'item_reference', id: 'msg_nope' }] }), 'input[0].id');
    // 25 hours on: past the 24 h that sealed responses are kept.
    skewMs = 25 * 60 * 60 * 1000;
    try {
      await notFound(client().responses.retrieve(r.id), 'response_id', `Response with id '${r.id}' not found.`);
      await notFound(client().responses.create({ model: 'claude-sonnet', input: 'x', previous_response_id: r.id }), 'previous_response_id');
      await notFound(
        client().responses.create({ model: 'claude-sonnet', input: [{ type: 'item_reference', id: r.output[0]!.id! }] }),
        'input[0].id',
        `Item with id '${r.output[0]!.id!}' not found.`,
      );
    } finally {
      skewMs = 0;
    }
  });

  it('switching history on keeps sealed responses for their holders (new ones are readable); switching off drops sealed ones', async () => {
    const put = (on: boolean) =>
      fetch(`${srv.url}/api/v1/settings`, {
        method: 'PUT',
        headers: { ...srv.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ history_enabled: on }),
      });
    const sealed = await client().responses.create({ model: 'claude-sonnet', input: 'before on', max_output_tokens: 3 });
    // A repeated "off" while off drops nothing.
    expect((await put(false)).status).toBe(200);
    expect((await client().responses.retrieve(sealed.id)).id).toBe(sealed.id);
    expect((await put(true)).status).toBe(200);
    try {
      const next = await client().responses.create({ model: 'claude-sonnet', input: 'after on', previous_response_id: sealed.id });
      expect(next.id).not.toMatch(/^resp_[0-9a-f]{48}$/);
      expect((await client().responses.retrieve(sealed.id)).id).toBe(sealed.id);
    } finally {
      expect((await put(false)).status).toBe(200);
    }
    await notFound(client().responses.retrieve(sealed.id), 'response_id');
  });
});
