// Bad-input corpus over every route the gateway serves, generated from its route table (a new route is covered
// without editing this file): bad path ids, prototype-named and malformed query values, broken and deeply nested
// bodies, wrong types in every field, unsupported charsets. No answer may be a 5xx or carry a stack trace, and each
// refusal names what was wrong. Real llama.cpp (tiny GGUF) and the Claude stand-in behind the official SDK.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable, type RouteInfo } from '../../router-core/gateway/app.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-corpus-key';
let dir: string;
let claude: AnthropicStandIn;
let srv: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-corpus-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY });
  // A built UI of its own, so the static routes answer as they do in a real install whether or not dist/ exists here.
  const ui = path.join(dir, 'ui');
  mkdirSync(path.join(ui, 'assets'), { recursive: true });
  writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>ui</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(ui, 'assets', 'app.js'), 'export {};');
  srv = await startTestServer({
    env: {
      HYBRID_AI_LOCAL_MODEL: gguf.path,
      ANTHROPIC_API_KEY: CLAUDE_KEY,
      ANTHROPIC_BASE_URL: claude.url,
      HYBRID_AI_THREADS: '1',
      HYBRID_AI_UI_DIR: ui,
    },
    args: ['--tier', '2'],
  });
}, 60_000);

afterAll(async () => {
  await srv?.close();
  await claude?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One bad request: what to send, and (when known) the field the refusal must name. */
interface Case {
  label: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A 4xx answer must mention this (the field or the part of the request at fault). */
  names?: RegExp;
  /** The protocol whose error shape the answer must have (from the route table; undefined = native). */
  protocol?: string;
}

const PARAM_VALUES = [
  '%FF',
  '%ED%A0%80',
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  'toString',
  '..%2F..%2Fetc%2Fpasswd',
  'no-such-id',
  '%00',
];
const QUERY_KEYS = ['range', 'from', 'to', 'limit', 'offset', 'before', 'model', 'q', 'id'];
const QUERY_VALUES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '-1', '1e309', 'NaN', '%FF', 'x'.repeat(5000)];
const FIELDS = [
  'model',
  'messages',
  'prompt',
  'system',
  'max_tokens',
  'temperature',
  'stream',
  'tools',
  'options',
  'name',
  'input',
  'thresholds',
  'key',
  'rating',
  'request_id',
  'title',
  'conversation_id',
];
const WRONG_VALUES: unknown[] = [-1, 1e308, '', {}, [[[]]], null, true, 'x'.repeat(100_000)];

/** A value nested `depth` levels deep. */
function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A plausible body for `route` with `extra` spliced in as raw JSON text (so 50,000-level nesting never touches our stack). */
function bodyWith(extra: Record<string, string>): string {
  const base: Record<string, string> = {
    model: '"auto"',
    messages: '[{"role":"user","content":"hi"}]',
    prompt: '"hi"',
    max_tokens: '4',
    // Ollama's output cap, so a request that is valid after all answers in a few tokens.
    options: '{"num_predict":4}',
  };
  const all = { ...base, ...extra };
  return `{${Object.entries(all)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
}

const DEEP = deep(50_000);
/** Free-form fields (tool schemas, tool arguments) where 50,000-level nesting once crashed the gateway or reached Claude. */
const DEEP_FIELDS: Array<{ label: string; extra: Record<string, string>; names: RegExp }> = [
  { label: 'top-level field', extra: { junk: DEEP }, names: /junk/ },
  {
    label: 'ollama tool_calls arguments',
    extra: {
      messages: `[{"role":"user","content":"hi"},{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":${DEEP}}}]}]`,
    },
    names: /messages\[1\]\.tool_calls\[0\]\.function\.arguments/,
  },
  {
    label: 'openai tool_calls arguments (string)',
    extra: {
      messages: `[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":${JSON.stringify(DEEP)}}}]},{"role":"tool","tool_call_id":"c1","content":"x"}]`,
    },
    names: /messages\[1\]\.tool_calls\[0\]\.function\.arguments/,
  },
  {
    label: 'anthropic tool_use input',
    extra: {
      messages: `[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":${DEEP}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"x"}]}]`,
    },
    names: /messages\[1\]\.content\[0\]\.input/,
  },
  { label: 'anthropic input_schema', extra: { tools: `[{"name":"f","input_schema":${DEEP}}]` }, names: /tools\[0\]\.input_schema/ },
  {
    label: 'openai function parameters',
    extra: { tools: `[{"type":"function","function":{"name":"f","parameters":${DEEP}}}]` },
    names: /tools\[0\]\.function\.parameters/,
  },
  { label: 'options', extra: { options: DEEP }, names: /options/ },
];

function casesFor(route: RouteInfo): Case[] {
  const out: Case[] = [];
  const push = out.push.bind(out);
  out.push = (...cs: Case[]) => push(...cs.map((c) => ({ ...c, protocol: route.protocol })));
  const hasParams = /[:*]/.test(route.url);
  const fill = (v: string): string => route.url.replace(/:[A-Za-z]+/g, v).replace(/\*/g, v);
  const url = hasParams ? fill('no-such-id') : route.url;
  const m = route.method;
  if (hasParams) {
    for (const v of PARAM_VALUES)
      out.push({ label: `path ${v.slice(0, 12)}`, method: m, url: fill(v), names: /path|id|No |not found|unknown|not valid|longer|body/i });
  }
  if (m === 'GET' || m === 'HEAD' || m === 'DELETE') {
    for (const v of QUERY_VALUES) {
      const q = QUERY_KEYS.map((k) => `${k}=${encodeURIComponent(v)}`).join('&');
      out.push({ label: `query=${v.slice(0, 12)}`, method: m, url: `${url}?${q}` });
      // Each key alone too: one valid key can hide another's bad value (from/to win over range).
      if (m === 'GET')
        for (const k of QUERY_KEYS) out.push({ label: `${k}=${v.slice(0, 12)}`, method: m, url: `${url}?${k}=${encodeURIComponent(v)}` });
    }
    for (const k of QUERY_KEYS) out.push({ label: `query ${k}[]`, method: m, url: `${url}?${k}=a&${k}=b&${k}[x]=c` });
    out.push({ label: 'raw bad query', method: m, url: `${url}?range=%E0%A4%A&%%%` });
  }
  if (m === 'POST' || m === 'PUT' || m === 'PATCH' || m === 'DELETE') {
    const json = { 'content-type': 'application/json' };
    const raw: Array<[string, string | Buffer, RegExp | undefined]> = [
      ['truncated JSON', '{"model":', /JSON/],
      ['empty body', '', /empty|JSON|body/i],
      ['null', 'null', /JSON object|body/i],
      ['array', '[]', /JSON object|body|Expected object/i],
      ['string', '"s"', /JSON object|body/i],
      ['number', '42', /JSON object|body/i],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), undefined],
      ['__proto__ key', '{"__proto__":{"admin":true},"model":"auto","prompt":"hi"}', undefined],
      ['constructor.prototype key', '{"constructor":{"prototype":{"x":1}},"prompt":"hi"}', undefined],
    ];
    for (const [label, body, names] of raw) out.push({ label, method: m, url, headers: json, body, names });
    out.push({
      label: 'charset=utf-16',
      method: m,
      url,
      headers: { 'content-type': 'application/json; charset=utf-16' },
      body: Buffer.from('{"prompt":"hi"}', 'utf16le'),
      names: /charset/,
    });
    out.push({ label: 'text/plain', method: m, url, headers: { 'content-type': 'text/plain' }, body: 'hi', names: /Content-Type/i });
    for (const d of DEEP_FIELDS)
      out.push({ label: `deep ${d.label}`, method: m, url, headers: json, body: bodyWith(d.extra), names: d.names });
    for (const f of FIELDS) {
      for (const v of WRONG_VALUES) {
        const names = new RegExp(f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        out.push({
          label: `${f}=${JSON.stringify(v).slice(0, 12)}`,
          method: m,
          url,
          headers: json,
          body: bodyWith({ [f]: JSON.stringify(v) }),
          names,
        });
      }
    }
  }
  return out;
}

/** A message that quotes what it refuses: the field (`Invalid "messages[0].content"`), or the unknown name or id sent. */
const NAMES_A_FIELD = /"[^"\n]{1,200}"|The prompt \(messages\) is/;

const STACK = /\n\s+at |\.ts:\d+|\.js:\d+|node_modules|Maximum call stack/;

describe('bad-input corpus over the route table', () => {
  it('answers every bad request with a 4xx in the route’s shape, never a 5xx or a stack trace, naming the field', async () => {
    const routes = routeTable(srv.core.app);
    expect(routes.length).toBeGreaterThan(50);
    const cases = routes.flatMap(casesFor);
    const failures: string[] = [];
    let fiveXx = 0;
    const covered = new Set<string>();
    const msByRoute = new Map<string, number>();
    const one = async (c: Case): Promise<void> => {
      const started = performance.now();
      const ac = new AbortController();
      // Event streams (download progress) never end by themselves: their headers are the answer.
      // 30 s: far beyond any answer here (a few tokens of the tiny model), even on a loaded machine.
      const timer = setTimeout(() => ac.abort(), 30_000);
      let status = 0;
      let text = '';
      let type = '';
      try {
        const res = await fetch(`${srv.url}${c.url}`, {
          method: c.method,
          headers: { ...srv.auth, ...c.headers },
          body: typeof c.body === 'string' || c.body === undefined ? c.body : new Uint8Array(c.body),
          signal: ac.signal,
        });
        status = res.status;
        type = res.headers.get('content-type') ?? '';
        if (type.startsWith('text/event-stream')) await res.body?.cancel();
        else text = await res.text();
      } catch (e) {
        failures.push(`${c.method} ${c.url.slice(0, 80)} [${c.label}]: no answer (${(e as Error).message})`);
        return;
      } finally {
        clearTimeout(timer);
      }
      covered.add(`${c.method} ${c.url.split('?')[0]}`);
      const routeKey = `${c.method} ${c.url.split('?')[0]!.slice(0, 40)}`;
      msByRoute.set(routeKey, (msByRoute.get(routeKey) ?? 0) + performance.now() - started);
      const where = `${c.method} ${c.url.slice(0, 80)} [${c.label}] → ${status}`;
      if (status >= 500) {
        fiveXx++;
        failures.push(`${where}: ${text.slice(0, 200)}`);
        return;
      }
      if (STACK.test(text)) failures.push(`${where}: stack trace or internals in the body: ${text.slice(0, 200)}`);
      if (status >= 400 && c.method !== 'HEAD') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          failures.push(`${where}: error body is not JSON: ${text.slice(0, 120)}`);
          return;
        }
        // Ollama's shape is {"error": "message"}; native, OpenAI and Anthropic carry {error: {type, message}}.
        // Refused before any request exists (431 headers too large, 408): no route is known, so the native shape.
        const protocol = status === 431 || status === 408 ? undefined : c.protocol;
        const err = (parsed as { error?: unknown }).error;
        const message = protocol === 'ollama' ? err : (err as { message?: unknown } | undefined)?.message;
        const type = protocol === 'ollama' ? 'n/a' : (err as { type?: unknown } | undefined)?.type;
        if (typeof message !== 'string' || message === '' || typeof type !== 'string' || 'code' in (parsed as object)) {
          failures.push(`${where}: not in the ${protocol ?? 'native'} error shape: ${text.slice(0, 120)}`);
          return;
        }
        // OpenAI's shape always has `param` (the field at fault, or null) and `code`; a 400 naming a field names it there.
        if (protocol === 'openai' || protocol === 'openai-responses') {
          const e = err as { param?: unknown; code?: unknown };
          const named = /^Invalid "([^"]+)":/.exec(message)?.[1];
          if (!('param' in e) || (e.param !== null && typeof e.param !== 'string') || typeof e.code !== 'string')
            failures.push(`${where}: OpenAI error without param and code: ${text.slice(0, 160)}`);
          else if (status === 400 && named !== undefined && e.param !== named)
            failures.push(`${where}: param ${JSON.stringify(e.param)} is not the field the message names ("${named}")`);
        }
        // A refusal for a reason other than the field (auth, not found, rate limits) is fine; a 400 must name it.
        // (Another field may be at fault first, e.g. a required one the case left out: then that one is named.)
        if (status === 400 && c.names && !c.names.test(message) && !NAMES_A_FIELD.test(message))
          failures.push(`${where}: message does not name ${c.names} or any field: ${message}`);
      }
    };
    // Four at a time (the machine is shared); the token-regenerating route last and alone, as it locks the rest out.
    const last = cases.filter((c) => c.url.includes('regenerate'));
    const queue = cases.filter((c) => !c.url.includes('regenerate'));
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) await one(c);
      }),
    );
    for (const c of last) await one(c);
    console.log(`[corpus] ${cases.length} bad requests over ${routes.length} routes; 5xx: ${fiveXx}; failures: ${failures.length}`);
    if (process.env.CORPUS_REPORT) {
      const slow = [...msByRoute]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([k, ms]) => `${Math.round(ms)} ms ${k}`);
      writeFileSync(process.env.CORPUS_REPORT, [...slow, ...failures].join('\n'));
    }
    expect(failures.slice(0, 40)).toEqual([]);
    expect(fiveXx).toBe(0);
  }, 600_000);
});
