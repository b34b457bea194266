// OpenAI Responses API: POST /v1/responses (JSON or its typed SSE events), GET and DELETE /v1/responses/{id}, and
// GET /v1/responses/{id}/input_items. Stored responses belong to the key that made them.
//
// Input items (messages, function_call, function_call_output) and `instructions` decode into our ChatRequest;
// `previous_response_id` continues a stored response, and each answer is stored unless `store: false`: readable with
// history on, sealed with history off (gateway/response-store.ts: its id carries the key, the ledger holds ciphertext).
import { z } from 'zod';
import type { ChatMessage, ResponseFormat, ToolCall, ToolChoice, ToolSpec } from '../../contracts/chat.js';
import type { ErrorType } from '../../contracts/errors.js';
import type { FinishReason, Usage } from '../../contracts/stream.js';
import { CoreError } from '../../errors.js';
import type { PipelineEvent, PipelineRun } from '../../pipeline.js';
import type { Caller, Collected, Decoded, ExtraRoute, ProtocolAdapter, ProtocolServices, StreamEncoder } from '../protocol.js';
import { sseFrame } from '../sse.js';
import { openAiError, toResponseFormat } from './openai.js';
import { NO_PARAMETERS, requireOfferedTool, topPSchema } from './common.js';
import { parseBody, parsePart } from './validate.js';

/** Content parts of an input message: text of any kind is read; images and files are refused by name. */
const part = z
  .object({ type: z.string(), text: z.string().optional(), refusal: z.string().optional() })
  .passthrough()
  .superRefine((p, ctx) => {
    if (p.type === 'input_text' || p.type === 'output_text') {
      if (typeof p.text !== 'string') ctx.addIssue({ code: 'custom', message: `a ${p.type} part needs "text"`, path: ['text'] });
      return;
    }
    if (p.type === 'refusal') return;
    ctx.addIssue({
      code: 'custom',
      message: `content of type "${p.type}" is not supported here (valid: input_text, output_text, refusal)`,
      path: ['type'],
    });
  });
const messageItem = z.object({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(part)]),
  id: z.string().optional(),
  status: z.string().optional(),
});
const functionCallItem = z.object({
  type: z.literal('function_call'),
  call_id: z.string().min(1, 'must name the call (call_id)'),
  name: z.string().min(1),
  arguments: z.string(),
  id: z.string().optional(),
  status: z.string().optional(),
});
const functionCallOutputItem = z.object({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1, 'must name the call this answers (call_id)'),
  output: z.union([z.string(), z.array(part)]),
  id: z.string().nullish(),
  status: z.string().nullish(),
});
/** Reasoning items a client echoes back from another model: nothing here produces or reads them, so they are skipped. */
const reasoningItem = z.object({ type: z.literal('reasoning') }).passthrough();
/**
 * An item of an earlier stored response, by id: the AI SDK's default OpenAI provider sends its earlier answers this way
 * (its `store` defaults to true). Resolved in prepare, from the stored responses (readable or sealed).
 */
const referenceItem = z.object({ type: z.literal('item_reference'), id: z.string().min(1, 'must name the item (id)') });
const ITEM_TYPES = ['message', 'function_call', 'function_call_output', 'reasoning', 'item_reference'] as const;
const item = z.unknown().superRefine((v, ctx) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: 'must be an input item object' });
    return;
  }
  const t = (v as { type?: unknown }).type;
  if (t !== undefined && !(ITEM_TYPES as readonly unknown[]).includes(t)) {
    ctx.addIssue({
      code: 'custom',
      message: `input items of type ${JSON.stringify(t)} are not supported (valid: ${ITEM_TYPES.join(', ')})`,
      path: ['type'],
    });
  }
});
const functionTool = z.object({
  type: z.literal('function'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes'),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
const tool = z.unknown().superRefine((v, ctx) => {
  const t = v !== null && typeof v === 'object' ? (v as { type?: unknown }).type : undefined;
  if (t !== 'function') {
    ctx.addIssue({
      code: 'custom',
      message: `tools of type ${JSON.stringify(t)} are not supported here (valid: function); built-in tools run only on OpenAI's servers`,
      path: ['type'],
    });
  }
});
const toolChoice = z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string().min(1) })]);
const textFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes'),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
]);
const body = z.object({
  model: z.string().min(1, 'must name a model ("auto" lets the router choose)'),
  input: z.union([z.string().min(1, 'must not be empty'), z.array(item).min(1, 'must have at least one item')]),
  instructions: z.string().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  max_output_tokens: z.number().int().min(1).max(32_768).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: topPSchema.nullish(),
  tools: z.array(tool).max(128).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.object({ format: textFormat.nullish(), verbosity: z.string().nullish() }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  background: z.boolean().nullish(),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  // Accepted and without effect here: no engine reasons separately, and there is nothing more to include.
  reasoning: z.unknown().optional(),
  include: z.array(z.string()).nullish(),
  stream_options: z.unknown().optional(),
  service_tier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  safety_identifier: z.string().nullish(),
});
type Body = z.infer<typeof body>;

/** What the encoders need beyond the ChatRequest, fixed at decode. */
export interface ResponsesOptions {
  createdAt: number;
  instructions: string | null;
  previousResponseId: string | null;
  store: boolean;
  maxOutputTokens: number | null;
  temperature: number | null;
  topP: number | null;
  tools: unknown[];
  toolChoice: unknown;
  parallelToolCalls: boolean;
  text: { format: unknown };
  metadata: Record<string, string>;
  user: string | null;
  /** The conversation before this request's own input (from the stored previous response), filled by prepare. */
  history: ChatMessage[];
  /** This request's input, without the instructions. */
  input: ChatMessage[];
  /** The raw input items when some are `item_reference`s: prepare replaces those by the stored items, then reads them. */
  referencing?: readonly unknown[];
  /**
   * Set by prepare when the answer is kept sealed (history off, `store` not false): the id part (with its secret) that
   * the response and its items are named by instead of the request id. Absent: ids use the request id.
   */
  sealedIdPart?: string;
}

/** A stored response: the object GET returns, and the conversation it answered (for the next `previous_response_id`). */
interface StoredResponse {
  response: Record<string, unknown>;
  messages: ChatMessage[];
  /** This request's own input as items with ids (GET …/input_items); absent in responses stored before it was kept. */
  inputItems?: Array<Record<string, unknown>>;
}

/** The options decode fixed (always present: decode sets them). */
const optionsOf = (d: Decoded<ResponsesOptions>): ResponsesOptions => d.options!;

const partText = (c: string | Array<{ text?: string; refusal?: string }>): string =>
  typeof c === 'string' ? c : c.map((p) => p.text ?? p.refusal ?? '').join('');

/** Input items → our messages: consecutive function_call items join one assistant turn, as the engines expect. */
export function itemsToMessages(items: readonly unknown[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  const names = new Map<string, string>();
  items.forEach((raw, i) => {
    const t = (raw as { type?: string }).type;
    const at = (m: string) => new CoreError('invalid_request', `Invalid "input[${i}]": ${m}.`, { details: { param: `input[${i}]` } });
    const parse = <S extends z.ZodType>(schema: S): z.infer<S> => parsePart(schema, raw, ['input', i]);
    if (t === 'reasoning') {
      parse(reasoningItem);
      return;
    }
    if (t === 'item_reference') {
      // Only prepare can look a reference up; one left here was not resolved.
      throw at(`item_reference "${parse(referenceItem).id}" was not resolved`);
    }
    if (t === 'function_call') {
      const c = parse(functionCallItem);
      names.set(c.call_id, c.name);
      const call: ToolCall = { id: c.call_id, name: c.name, arguments: c.arguments };
      const last = out.at(-1);
      if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call];
      else out.push({ role: 'assistant', content: '', toolCalls: [call] });
      return;
    }
    if (t === 'function_call_output') {
      const o = parse(functionCallOutputItem);
      const name = names.get(o.call_id);
      out.push({ role: 'tool', content: partText(o.output), toolCallId: o.call_id, ...(name ? { name } : {}) });
      return;
    }
    const m = parse(messageItem);
    if (m.role === 'assistant') {
      const last = out.at(-1);
      // An assistant message right after another assistant message without calls continues it.
      if (last?.role === 'assistant' && !last.toolCalls) last.content += partText(m.content);
      else out.push({ role: 'assistant', content: partText(m.content) });
      return;
    }
    if (m.role === 'user' && partText(m.content).trim() === '' && items.length === 1) throw at('the message is empty');
    out.push({ role: m.role === 'developer' ? 'system' : m.role, content: partText(m.content) });
  });
  return out;
}

function toToolChoice(c: z.infer<typeof toolChoice>): ToolChoice {
  return typeof c === 'string' ? c : { name: c.name };
}

/** The Responses API's `text.format` → our ResponseFormat (text = none). */
function fromTextFormat(f: z.infer<typeof textFormat> | undefined): ResponseFormat | undefined {
  if (!f || f.type === 'text') return undefined;
  if (f.type === 'json_object') return toResponseFormat({ type: 'json_object' }, 'text.format');
  return toResponseFormat({ type: 'json_schema', json_schema: { name: f.name, schema: f.schema } }, 'text.format.schema');
}

/** Decode a Responses API body (without the stored history: {@link responsesProtocol}.prepare adds it). */
function decodeBody(raw: unknown): Decoded<ResponsesOptions> {
  const b: Body = parseBody(body, raw);
  if (b.background === true) {
    throw new CoreError('invalid_request', 'Invalid "background": background responses are not supported; leave it out or false.', {
      details: { param: 'background' },
    });
  }
  if (b.conversation !== undefined && b.conversation !== null) {
    throw new CoreError('invalid_request', 'Invalid "conversation": conversation objects are not supported; use "previous_response_id".', {
      details: { param: 'conversation' },
    });
  }
  if (b.prompt !== undefined && b.prompt !== null) {
    throw new CoreError('invalid_request', 'Invalid "prompt": prompt templates are not supported; send "instructions" and "input".', {
      details: { param: 'prompt' },
    });
  }
  const items = typeof b.input === 'string' ? undefined : (b.input as readonly unknown[]);
  const referencing = items?.some((i) => (i as { type?: unknown }).type === 'item_reference') ? items : undefined;
  // With references the input is read in prepare, once they are replaced by the items they name.
  const input: ChatMessage[] =
    items === undefined ? [{ role: 'user', content: b.input as string }] : referencing ? [] : itemsToMessages(items);
  const tools: ToolSpec[] = (b.tools ?? []).map((raw, i) => {
    const t = parsePart(functionTool, raw, ['tools', i]);
    return {
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      parameters: t.parameters ?? { ...NO_PARAMETERS },
    };
  });
  const choice = b.tool_choice ? toToolChoice(b.tool_choice) : undefined;
  if (choice && typeof choice === 'object') requireOfferedTool(choice.name, tools, 'tool_choice', 'function', { param: 'tool_choice' });
  const responseFormat = fromTextFormat(b.text?.format ?? undefined);
  const instructions = b.instructions ?? null;
  const options: ResponsesOptions = {
    createdAt: Math.floor(Date.now() / 1000),
    instructions,
    previousResponseId: b.previous_response_id ?? null,
    store: b.store !== false,
    maxOutputTokens: b.max_output_tokens ?? null,
    temperature: b.temperature ?? null,
    topP: b.top_p ?? null,
    tools: (b.tools ?? []).map((t, i) => ({
      ...(t as object),
      description: tools[i]!.description ?? null,
      strict: (t as { strict?: boolean }).strict ?? true,
    })),
    toolChoice: b.tool_choice ?? 'auto',
    parallelToolCalls: b.parallel_tool_calls ?? true,
    text: { format: b.text?.format ?? { type: 'text' } },
    metadata: b.metadata ?? {},
    user: b.user ?? null,
    history: [],
    input,
    ...(referencing ? { referencing } : {}),
  };
  return {
    stream: b.stream === true,
    options,
    request: {
      model: b.model,
      messages: withInstructions(instructions, input),
      params: {
        maxTokens: b.max_output_tokens ?? undefined,
        temperature: b.temperature ?? undefined,
        topP: b.top_p ?? undefined,
      },
      ...(tools.length > 0 ? { tools } : {}),
      ...(choice && tools.length > 0 ? { toolChoice: choice } : {}),
      ...(responseFormat ? { responseFormat } : {}),
    },
  };
}

/** `instructions` go first as a system turn (never carried over from a previous response, as OpenAI does). */
function withInstructions(instructions: string | null, messages: ChatMessage[]): ChatMessage[] {
  return instructions ? [{ role: 'system', content: instructions }, ...messages] : messages;
}

/** The output items of a finished answer: its text as one message (when any), then each function call. */
function outputItems(part: string, text: string, calls: readonly ToolCall[], status: 'completed' | 'incomplete') {
  const out: Array<Record<string, unknown>> = [];
  if (text !== '' || calls.length === 0) out.push(messageItemOf(part, text, status));
  calls.forEach((c, i) => out.push(callItemOf(part, c, i, 'completed')));
  return out;
}

/**
 * What a response and its items are named by: the request id, or the sealed id part (its secret) when the answer is
 * kept sealed. why the same shapes (`resp_`, `msg_`, `fc_` + letters, digits, dashes) either way: clients treat ids as
 * opaque strings (the AI SDK and the Agents SDK send them back as they came), and items name their response.
 */
const idPartOf = (run: PipelineRun, decoded: Decoded<ResponsesOptions>): string => optionsOf(decoded).sealedIdPart ?? run.requestId;
const messageId = (part: string) => `msg_${part}`;
const callItemId = (part: string, i: number) => `fc_${part}_${i}`;
const textPart = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

function messageItemOf(part: string, text: string, status: 'in_progress' | 'completed' | 'incomplete') {
  return { id: messageId(part), type: 'message', status, role: 'assistant', content: status === 'in_progress' ? [] : [textPart(text)] };
}

function callItemOf(part: string, c: ToolCall, i: number, status: 'in_progress' | 'completed') {
  return {
    id: callItemId(part, i),
    type: 'function_call',
    status,
    call_id: c.id,
    name: c.name,
    arguments: status === 'in_progress' ? '' : c.arguments,
  };
}

function usageOf(u: Usage) {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

type Status = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The Response object at any stage: in progress (no output yet), completed, incomplete (length) or failed. */
function responseObject(
  run: PipelineRun,
  decoded: Decoded<ResponsesOptions>,
  state: { status: Status; output?: unknown[]; usage?: Usage; error?: { code: string; message: string } },
): Record<string, unknown> {
  const o = optionsOf(decoded);
  const text = (state.output ?? [])
    .filter((i): i is { type: 'message'; content: Array<{ text: string }> } => (i as { type?: string }).type === 'message')
    .flatMap((i) => i.content.map((p) => p.text))
    .join('');
  return {
    id: `resp_${idPartOf(run, decoded)}`,
    object: 'response',
    created_at: o.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: o.instructions,
    max_output_tokens: o.maxOutputTokens,
    model: run.decision.model,
    output: state.output ?? [],
    // The SDK adds this convenience itself on create(); a raw HTTP client finds it here too.
    output_text: text,
    parallel_tool_calls: o.parallelToolCalls,
    previous_response_id: o.previousResponseId,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: o.store,
    temperature: o.temperature,
    text: o.text,
    tool_choice: o.toolChoice,
    tools: o.tools,
    top_p: o.topP,
    truncation: 'disabled',
    usage: state.usage ? usageOf(state.usage) : null,
    user: o.user,
    metadata: o.metadata,
  };
}

const statusOf = (reason: FinishReason): 'completed' | 'incomplete' => (reason === 'length' ? 'incomplete' : 'completed');

/** A 400 for a gateway that keeps no responses at all (no ledger): say what to send instead. */
const noStore = (param: string, instead: string) =>
  new CoreError('invalid_request', `Invalid "${param}": this server keeps no responses; ${instead}`, { details: { param } });

/**
 * The stored response behind `id` that `caller` made, or a 404 in OpenAI's words: unknown, expired (sealed), another
 * caller's, or kept readable while history is now off all look the same.
 */
async function storedResponse(services: ProtocolServices, id: string, param: string, caller: Caller): Promise<StoredResponse> {
  const store = services.responses;
  if (!store) throw noStore(param, 'send the whole conversation in "input" instead.');
  const found = (await store.get(id, caller)) as StoredResponse | undefined;
  if (!found) throw new CoreError('not_found', `Response with id '${id}' not found.`, { details: { param } });
  return found;
}

/** The response an item id belongs to: items are named after their response (`msg_<id>`, `fc_<id>_<n>`, `fco_<id>_in<n>`). */
function responseIdOfItem(itemId: string): string | undefined {
  const m = /^(?:msg|fc|fco)_([A-Za-z0-9-]+)(?:_[A-Za-z0-9]+)?$/.exec(itemId);
  return m ? `resp_${m[1]}` : undefined;
}

/**
 * Input items with each `item_reference` replaced by the stored item it names (an output item of an earlier response,
 * or one of its input items). History off: a 400 saying so and what to send instead; an unknown id: OpenAI's 404.
 */
async function resolveReferences(services: ProtocolServices, items: readonly unknown[], caller: Caller): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [i, raw] of items.entries()) {
    if ((raw as { type?: unknown }).type !== 'item_reference') {
      out.push(raw);
      continue;
    }
    const { id } = parsePart(referenceItem, raw, ['input', i]);
    const param = `input[${i}].id`;
    if (!services.responses) {
      throw noStore(param, 'send the item itself instead (the AI SDK does with providerOptions.openai.store: false).');
    }
    const responseId = responseIdOfItem(id);
    const stored = responseId ? ((await services.responses.get(responseId, caller)) as StoredResponse | undefined) : undefined;
    const all = [...((stored?.response.output as Array<Record<string, unknown>> | undefined) ?? []), ...(stored?.inputItems ?? [])];
    const found = all.find((it) => it.id === id);
    if (!found) throw new CoreError('not_found', `Item with id '${id.slice(0, 100)}' not found.`, { details: { param } });
    out.push(found);
  }
  return out;
}

/** A stored response's turns as messages: what it was asked (without its instructions) and what it answered. */
function conversationAfter(s: StoredResponse): ChatMessage[] {
  const answer: ChatMessage[] = [];
  for (const it of s.response.output as Array<Record<string, unknown>>) {
    if (it.type === 'message') answer.push({ role: 'assistant', content: partText(it.content as Array<{ text?: string }>) });
    else if (it.type === 'function_call') {
      const call: ToolCall = { id: String(it.call_id), name: String(it.name), arguments: String(it.arguments) };
      const last = answer.at(-1);
      if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call];
      else answer.push({ role: 'assistant', content: '', toolCalls: [call] });
    }
  }
  return [...s.messages, ...answer];
}

const responseIdParam = (params: Record<string, string> = {}): string => {
  const id = params.id ?? '';
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) {
    throw new CoreError('invalid_request', `Invalid response id "${id.slice(0, 100)}": ids look like resp_<letters, digits, dashes>.`, {
      details: { param: 'response_id' },
    });
  }
  return id;
};

const getRoute: ExtraRoute = {
  method: 'GET',
  url: '/v1/responses/:id',
  async handle({ params, caller = {} }, services) {
    return (await storedResponse(services, responseIdParam(params), 'response_id', caller)).response;
  },
};

const deleteRoute: ExtraRoute = {
  method: 'DELETE',
  url: '/v1/responses/:id',
  async handle({ params, caller = {} }, services) {
    const id = responseIdParam(params);
    await storedResponse(services, id, 'response_id', caller);
    await services.responses!.delete(id, caller);
    return { id, object: 'response', deleted: true };
  },
};

/** This request's input (instructions apart) as the Responses API's input items, each with an id of its own. */
function inputItemsOf(part: string, input: readonly ChatMessage[]): Array<Record<string, unknown>> {
  const items: Array<Record<string, unknown>> = [];
  const id = (prefix: string) => `${prefix}_${part}_in${items.length}`;
  for (const m of input) {
    if (m.role === 'tool') {
      items.push({ id: id('fco'), type: 'function_call_output', call_id: m.toolCallId, output: m.content, status: 'completed' });
      continue;
    }
    if (m.role === 'assistant') {
      if (m.content !== '' || !m.toolCalls?.length) {
        items.push({ id: id('msg'), type: 'message', role: 'assistant', status: 'completed', content: [textPart(m.content)] });
      }
      for (const c of m.toolCalls ?? []) {
        items.push({ id: id('fc'), type: 'function_call', call_id: c.id, name: c.name, arguments: c.arguments, status: 'completed' });
      }
      continue;
    }
    items.push({ id: id('msg'), type: 'message', role: m.role, status: 'completed', content: [{ type: 'input_text', text: m.content }] });
  }
  return items;
}

/** Query of GET /v1/responses/{id}/input_items: page size, order and cursor, as OpenAI takes them. */
function inputItemsQuery(q: Record<string, string> = {}): { limit: number; order: 'asc' | 'desc'; after?: string } {
  const limit = q.limit === undefined ? 20 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new CoreError('invalid_request', `Invalid "limit": must be an integer from 1 to 100, got "${String(q.limit).slice(0, 40)}".`, {
      details: { param: 'limit' },
    });
  }
  const order = q.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw new CoreError('invalid_request', `Invalid "order": must be "asc" or "desc", got "${String(order).slice(0, 40)}".`, {
      details: { param: 'order' },
    });
  }
  return { limit, order, ...(q.after !== undefined ? { after: q.after } : {}) };
}

const inputItemsRoute: ExtraRoute = {
  method: 'GET',
  url: '/v1/responses/:id/input_items',
  async handle({ params, query, caller = {} }, services) {
    const { limit, order, after } = inputItemsQuery(query);
    const stored = await storedResponse(services, responseIdParam(params), 'response_id', caller);
    const all = order === 'asc' ? [...(stored.inputItems ?? [])] : [...(stored.inputItems ?? [])].reverse();
    let start = 0;
    if (after !== undefined) {
      start = all.findIndex((i) => i.id === after) + 1;
      if (start === 0) {
        throw new CoreError('invalid_request', `Invalid "after": no input item "${after.slice(0, 100)}" in this response.`, {
          details: { param: 'after' },
        });
      }
    }
    const data = all.slice(start, start + limit);
    return {
      object: 'list',
      data,
      first_id: (data[0]?.id as string | undefined) ?? null,
      last_id: (data.at(-1)?.id as string | undefined) ?? null,
      has_more: start + limit < all.length,
    };
  },
};

const openAiResponsesError = (type: ErrorType, message: string, param?: string) => openAiError(type, message, param);

/** Writes one stream event as an SSE frame, numbering it (`sequence_number`) in the order written. */
type Frame = (type: string, data: Record<string, unknown>) => string;

/** A function call's events: added, its arguments, done. `done` is its completed item, at output index `at`. */
function callFrames(frame: Frame, part: string, call: ToolCall, i: number, at: number, done: ReturnType<typeof callItemOf>): string {
  const item_id = callItemId(part, i);
  // The whole arguments in one delta: engines hand over complete calls, and one piece is a valid stream.
  return (
    frame('response.output_item.added', { output_index: at, item: callItemOf(part, call, i, 'in_progress') }) +
    frame('response.function_call_arguments.delta', { item_id, output_index: at, delta: call.arguments }) +
    frame('response.function_call_arguments.done', {
      item_id,
      output_index: at,
      name: call.name,
      arguments: call.arguments,
    }) +
    frame('response.output_item.done', { output_index: at, item: done })
  );
}

/** A failed stream's last events: the error, then the response as it stood, failed. */
function failedFrames(
  frame: Frame,
  run: PipelineRun,
  decoded: Decoded<ResponsesOptions>,
  error: { type: ErrorType; message: string },
  sofar: { output: unknown[]; usage: Usage | undefined },
): string {
  const e = openAiResponsesError(error.type, error.message).error;
  const response = responseObject(run, decoded, {
    status: 'failed',
    output: sofar.output,
    usage: sofar.usage,
    error: { code: error.type === 'rate_limited' ? 'rate_limit_exceeded' : 'server_error', message: error.message },
  });
  return frame('error', { code: e.code, message: e.message, param: e.param }) + frame('response.failed', { response });
}

export const responsesProtocol: ProtocolAdapter<ResponsesOptions> = {
  name: 'openai-responses',
  chatRoutes: [{ method: 'POST', url: '/v1/responses' }],
  extraRoutes: [getRoute, deleteRoute, inputItemsRoute],

  decode: (raw) => decodeBody(raw),

  async prepare(decoded, services, caller) {
    const o = optionsOf(decoded);
    // `store` says what really happens: kept when asked and a store exists (readable with history on, else sealed).
    const responses = services.responses;
    const store = o.store && responses !== undefined;
    // Fixed now, before any id is shown: the response and its items are named by the sealed part from here on.
    const sealed = store && !responses.enabled() ? { sealedIdPart: responses.sealedIdPart() } : {};
    const input = o.referencing ? itemsToMessages(await resolveReferences(services, o.referencing, caller)) : o.input;
    if (o.previousResponseId === null && !o.referencing) return { ...decoded, options: { ...o, store, ...sealed } };
    const history =
      o.previousResponseId === null
        ? []
        : conversationAfter(await storedResponse(services, o.previousResponseId, 'previous_response_id', caller));
    const { referencing: _, ...rest } = o;
    const options: ResponsesOptions = { ...rest, store, ...sealed, history, input };
    return {
      ...decoded,
      options,
      request: { ...decoded.request, messages: withInstructions(o.instructions, [...history, ...input]) },
    };
  },

  async complete(run, c, decoded, services, caller) {
    const o = optionsOf(decoded);
    if (!o.store || !services.responses) return;
    const part = idPartOf(run, decoded);
    const stored: StoredResponse = {
      response: responseObject(run, decoded, {
        status: statusOf(c.finishReason),
        output: outputItems(part, c.text, c.toolCalls, statusOf(c.finishReason)),
        usage: c.summary.usage,
      }),
      messages: [...o.history, ...o.input],
      inputItems: inputItemsOf(part, o.input),
    };
    // How was fixed in prepare: a readable id whose history went off meanwhile is kept nowhere (the store checks).
    await services.responses.save(`resp_${part}`, o.createdAt, stored, caller, o.sealedIdPart ? 'sealed' : 'readable');
  },

  encodeResponse(run: PipelineRun, c: Collected, decoded: Decoded<ResponsesOptions>) {
    const status = statusOf(c.finishReason);
    const output = outputItems(idPartOf(run, decoded), c.text, c.toolCalls, status);
    return responseObject(run, decoded, { status, output, usage: c.summary.usage });
  },

  createStreamEncoder(run: PipelineRun, decoded: Decoded<ResponsesOptions>): StreamEncoder {
    let seq = 0;
    const frame: Frame = (type, data) => sseFrame(type, { type, sequence_number: seq++, ...data });
    const output: Array<Record<string, unknown>> = [];
    const calls: ToolCall[] = [];
    let text = '';
    /** The output index of the open message item, or -1. */
    let open = -1;
    let usage: Usage | undefined;
    const part = idPartOf(run, decoded);
    const mid = messageId(part);
    const closeMessage = (status: 'completed' | 'incomplete'): string => {
      if (open < 0) return '';
      const at = open;
      open = -1;
      const item = messageItemOf(part, text, status);
      output[at] = item;
      const where = { item_id: mid, output_index: at, content_index: 0 };
      return (
        frame('response.output_text.done', { ...where, text, logprobs: [] }) +
        frame('response.content_part.done', { ...where, part: textPart(text) }) +
        frame('response.output_item.done', { output_index: at, item })
      );
    };
    const openMessage = (): string => {
      open = output.length;
      output.push(messageItemOf(part, '', 'in_progress'));
      return (
        frame('response.output_item.added', { output_index: open, item: messageItemOf(part, '', 'in_progress') }) +
        frame('response.content_part.added', { item_id: mid, output_index: open, content_index: 0, part: textPart('') })
      );
    };
    return {
      contentType: 'text/event-stream; charset=utf-8',
      begin: () => {
        const response = responseObject(run, decoded, { status: 'in_progress' });
        return frame('response.created', { response }) + frame('response.in_progress', { response });
      },
      encode(ev: PipelineEvent): string {
        switch (ev.type) {
          case 'text-delta': {
            const head = open < 0 ? openMessage() : '';
            text += ev.text;
            return `${head}${frame('response.output_text.delta', { item_id: mid, output_index: open, content_index: 0, delta: ev.text, logprobs: [] })}`;
          }
          case 'tool-call': {
            const head = closeMessage('completed');
            const i = calls.length;
            calls.push(ev.call);
            const at = output.length;
            const done = callItemOf(part, ev.call, i, 'completed');
            output.push(done);
            return head + callFrames(frame, part, ev.call, i, at, done);
          }
          case 'usage':
            usage = ev.usage;
            return '';
          case 'done': {
            const status = statusOf(ev.finishReason);
            // An answer with neither text nor calls still has its (empty) message, as the JSON form does.
            const head = open < 0 && output.length === 0 ? openMessage() : '';
            const closed = closeMessage(status);
            const response = responseObject(run, decoded, { status, output, usage });
            return `${head}${closed}${frame(status === 'completed' ? 'response.completed' : 'response.incomplete', { response })}`;
          }
          case 'error':
            return failedFrames(frame, run, decoded, ev.error, { output, usage });
          default:
            return '';
        }
      },
      // The Responses stream has no [DONE] sentinel: response.completed (or .incomplete/.failed) is the last event.
      end: () => '',
    };
  },

  encodeError(err: CoreError) {
    return openAiResponsesError(err.type, err.message, err.details?.param);
  },
};

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { body as openAiResponsesBody };
