// Generic chat route: decode → pipeline.handle → JSON or stream encode; a client disconnect aborts generation.
// Also mounts each protocol's non-chat routes over framework-free ProtocolServices.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModelKeepAlive, ToolCall } from '../contracts/chat.js';
import type { Availability, EngineId } from '../contracts/decision.js';
import { modelCatalog } from '../data/models.js';
import { isCloudEngine } from '../routing/cloud.js';
import { CoreError, isCoreError } from '../errors.js';
import type { ChatPipeline, PipelineRun, Summary } from '../pipeline.js';
import type { FinishReason, TokenLogprob } from '../contracts/stream.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ModelsApiDeps } from './models-api.js';
import {
  NdjsonAnswer,
  type Caller,
  type ChatRoute,
  type Collected,
  type Decoded,
  type LoadedModel,
  type LocalModelFileInfo,
  type ModelListing,
  type ProtocolAdapter,
  type ProtocolServices,
  uniformRequest,
} from './protocol.js';
import {
  budgetExceeded,
  createConcurrencyGate,
  DEFAULT_MAX_CONCURRENT_PER_KEY,
  DEFAULT_REQUEST_BUDGET_MS,
  type ChatLimits,
} from './chat-limits.js';
import { ledgerResponseStore } from './response-store.js';
import { appKeyOf } from './security.js';
import { createKeepAliveHolds } from './keep-alive.js';
import { CoalescingWriter, ndjsonLine } from './sse.js';

/** Response headers every protocol carries so any client can see the route (issue: "x-hybrid-*"). */
export function routeHeaders(run: PipelineRun): Record<string, string> {
  return {
    'x-hybrid-route': run.decision.route,
    'x-hybrid-model': run.decision.model,
    'x-hybrid-engine': run.decision.engine,
    'x-hybrid-complexity': run.decision.complexity.toFixed(3),
    'x-hybrid-reasons': headerText(run.decision.reasons.join('; ')),
    'x-request-id': run.requestId,
  };
}

/**
 * Text as an HTTP header value: "→" as "->", "%" and any other character outside printable ASCII percent-encoded (Node
 * refuses them in headers; decodeURIComponent gives the text back), cut at 2,000 characters (why: proxies commonly
 * allow 8 KiB for all headers together), never inside an escape.
 */
export function headerText(text: string): string {
  const ascii = text.replaceAll('→', '->').replace(/[^\x20-\x24\x26-\x7e]/g, (c) => encodeURIComponent(c));
  return ascii.length > 2000 ? `${ascii.slice(0, 1997).replace(/%[0-9A-F]{0,2}$/, '')}...` : ascii;
}

/** What {@link createProtocolServices} builds the services from. */
export interface ProtocolServicesDeps {
  version: string;
  startedAt: number;
  now(): number;
  availability(): Promise<Availability>;
  pipeline: ChatPipeline;
  /** Model files and downloads (absent in bare gateways). */
  models?: ModelsApiDeps;
  /** Models engines hold in memory now (absent = none known). */
  loadedModels?(): LoadedModel[];
  /** Models an Ollama backend holds in memory now, with its own expiry (absent = no Ollama). */
  backendLoadedModels?(): Promise<LoadedModel[]>;
  /** The HYBRID_AI_LOCAL_MODEL file as its header describes it (absent or undefined = none, or unreadable). */
  localModelFile?(): Promise<LocalModelFileInfo | undefined>;
  /** Free the model a caller names (as in a chat; 'auto' = every local model loaded) in each engine holding it; resolves once freed. */
  unloadModel?(model: string): Promise<void>;
  /**
   * Load the model a caller names (as in a chat) into the engine that serves it now, held as `keepAlive` says (absent =
   * the engine's default); other models: nothing to do.
   */
  loadModel?(model: string, keepAlive?: ModelKeepAlive): Promise<void>;
  /** Where stored responses live, and whether history is on (absent = no stored responses). */
  ledger?: Pick<
    Ledger,
    'saveResponse' | 'getResponse' | 'deleteResponse' | 'saveSealedResponse' | 'getSealedResponse' | 'deleteSealedResponse'
  >;
  history?(): boolean;
}

/**
 * The models a caller may name now, for every protocol's model list (pure over an availability snapshot). A catalog
 * model that only a HYBRID_AI_LOCAL_MODEL file answers for is not listed: the file is, under its own name (described
 * by `file`, its header), with the catalog ids as its `aliases`.
 */
export function listModels(a: Availability, embedEngines: readonly EngineId[], file?: LocalModelFileInfo): ModelListing[] {
  const on = (id: string): EngineId[] =>
    (Object.entries(a.engines) as Array<[EngineId, NonNullable<Availability['engines'][EngineId]>]>)
      .filter(([, e]) => e.ok && e.models.includes(id))
      .map(([engine]) => engine);
  const toolsOn = (engines: EngineId[]): boolean => engines.some((e) => a.engines[e]?.tools === true);
  const out: ModelListing[] = [];
  const known = new Set<string>();
  /** Catalog ids answered only by a file serving every local route, by that file's name. */
  const aliases = new Map<string, string[]>();
  for (const m of modelCatalog) {
    known.add(m.id);
    const engines = on(m.id);
    if (engines.length === 0) continue;
    const servedAs = new Set(engines.map((e) => a.engines[e]?.servesAllLocalAs));
    const fileName = servedAs.size === 1 ? [...servedAs][0] : undefined;
    if (m.kind === 'local' && fileName !== undefined) {
      aliases.set(fileName, [...(aliases.get(fileName) ?? []), m.id]);
      continue;
    }
    out.push({
      id: m.id,
      kind: m.kind,
      label: m.label,
      engines,
      supportsTools: m.supportsTools === true && toolsOn(engines),
      canEmbed: m.kind === 'local' && engines.some((e) => embedEngines.includes(e)),
      ...(m.kind === 'local'
        ? {
            paramsB: m.paramsB,
            contextLength: m.contextLength,
            quantization: m.quantization,
            sizeBytes: m.sizeBytes,
            thinking: m.hybridThinking === true,
          }
        : {}),
    });
  }
  // Names an engine offers beyond the catalog (an Ollama tag, an OpenAI-compatible cloud's model): abilities unknown
  // here, the engine decides; a name only clouds serve is a cloud model.
  for (const engine of Object.values(a.engines)) {
    for (const id of engine?.ok ? engine.models : []) {
      if (known.has(id)) continue;
      known.add(id);
      const engines = on(id);
      const kind = engines.every(isCloudEngine) ? 'cloud' : 'local';
      const listing: ModelListing = {
        id,
        kind,
        label: id,
        engines,
        supportsTools: false,
        canEmbed: engines.some((e) => embedEngines.includes(e)),
      };
      const alias = aliases.get(id);
      out.push({ ...listing, ...(alias ? { aliases: alias } : {}), ...(file?.name === id ? fromFile(file) : {}) });
    }
  }
  const auto: ModelListing = {
    id: 'auto',
    kind: 'auto',
    label: 'Routed: the cheapest model that will do it well',
    engines: [],
    supportsTools: out.some((m) => m.supportsTools),
    canEmbed: out.some((m) => m.canEmbed),
  };
  return [auto, ...out];
}

/**
 * A chat template that can switch thinking on: Qwen3's and SmolLM3's read `enable_thinking`, DeepSeek-R1's and Qwen3's
 * write `<think>`, others pass `reasoning_content` back.
 */
const THINKING_TEMPLATE = /<think>|enable_thinking|reasoning_content/;

/** A listing's facts from the file's own header. */
function fromFile(f: LocalModelFileInfo): Partial<ModelListing> {
  return {
    ...(f.chatTemplate !== undefined ? { thinking: THINKING_TEMPLATE.test(f.chatTemplate) } : {}),
    ...(f.sizeBytes !== undefined ? { sizeBytes: f.sizeBytes } : {}),
    ...(f.modifiedAt !== undefined ? { modifiedAt: f.modifiedAt } : {}),
    ...(f.architecture !== undefined ? { family: f.architecture } : {}),
    ...(f.parameterCount !== undefined ? { parameterCount: f.parameterCount } : {}),
    ...(f.quantization !== undefined ? { quantization: f.quantization } : {}),
    ...(f.contextLength !== undefined ? { contextLength: f.contextLength } : {}),
    ...(f.chatTemplate !== undefined ? { template: f.chatTemplate } : {}),
    modelInfo: f.metadata,
  };
}

/** Services for the protocols' non-chat routes. */
export function createProtocolServices(deps: ProtocolServicesDeps): ProtocolServices {
  const { loadedModels, unloadModel } = deps;
  const keepAlive =
    loadedModels && unloadModel
      ? createKeepAliveHolds({
          now: deps.now,
          lastUse: (model) => loadedModels().find((l) => l.id === model)?.uses,
          unload: unloadModel,
        })
      : undefined;
  return {
    version: deps.version,
    startedAt: deps.startedAt,
    now: deps.now,
    models: async () => {
      const [a, file] = await Promise.all([deps.availability(), deps.localModelFile?.()]);
      return listModels(a, deps.pipeline.embedEngines(), file);
    },
    embed: (texts, model, signal, options) => deps.pipeline.embed(texts, model, signal, options),
    ...(deps.models ? { files: deps.models } : {}),
    ...(deps.loadedModels ? { loaded: deps.loadedModels } : {}),
    ...(deps.backendLoadedModels ? { backendLoaded: deps.backendLoadedModels } : {}),
    ...(deps.unloadModel ? { unload: deps.unloadModel } : {}),
    ...(deps.loadModel ? { load: deps.loadModel } : {}),
    ...(deps.ledger && deps.history ? { responses: ledgerResponseStore(deps.ledger, deps.history, deps.now) } : {}),
    ...(keepAlive ? { keepAlive } : {}),
  };
}

/** The caller of a request, from the key the auth hook found. */
const callerOf = (req: FastifyRequest): Caller => {
  const id = appKeyOf(req)?.id;
  return id === undefined ? {} : { appKeyId: id };
};

/** Chat limits and the per-key gate, shared by every protocol of one gateway. */
export interface ChatGuard {
  limits: ChatLimits;
  gate: ReturnType<typeof createConcurrencyGate>;
}

/** The guard for one gateway: `limits` over the defaults; `onRefused` hears of each per-key concurrency 429. */
export function createChatGuard(limits: Partial<ChatLimits> = {}, onRefused?: () => void): ChatGuard {
  const full: ChatLimits = {
    requestBudgetMs: limits.requestBudgetMs ?? DEFAULT_REQUEST_BUDGET_MS,
    maxConcurrentPerKey: limits.maxConcurrentPerKey ?? DEFAULT_MAX_CONCURRENT_PER_KEY,
  };
  return { limits: full, gate: createConcurrencyGate(full.maxConcurrentPerKey, onRefused) };
}

/** Register every chat route (and non-chat route, given services) of `adapter` on `app`. */
export function mountProtocol(
  app: FastifyInstance,
  adapter: ProtocolAdapter,
  pipeline: ChatPipeline,
  services?: ProtocolServices,
  guard: ChatGuard = createChatGuard(),
): void {
  for (const route of adapter.chatRoutes) {
    app.route({
      method: route.method,
      url: route.url,
      config: { protocol: adapter.name },
      handler: async (req, reply) => {
        const early = services && adapter.answerWithoutModel ? await adapter.answerWithoutModel(req.body, route, services) : undefined;
        if (early !== undefined) return early;
        return handleChat(adapter, route, pipeline, guard, req, reply, services);
      },
    });
  }
  if (!services) return;
  for (const route of adapter.extraRoutes ?? []) {
    app.route({
      method: route.method,
      url: route.url,
      config: { protocol: adapter.name, ...(route.manage ? { manage: true } : {}) },
      handler: async (req, reply) => {
        const ac = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) ac.abort();
        });
        const answer = await route.handle(
          {
            body: req.body,
            signal: ac.signal,
            params: (req.params ?? {}) as Record<string, string>,
            query: (req.query ?? {}) as Record<string, string>,
            caller: callerOf(req),
          },
          services,
        );
        if (answer instanceof NdjsonAnswer) {
          await streamLines(answer, reply, adapter, ac);
          return reply;
        }
        // An empty 200 (Ollama's /api/delete and /api/copy answer with no body).
        if (answer === undefined) return reply.code(200).send();
        return answer;
      },
    });
  }
}

/**
 * Writes an NDJSON answer line by line. The first line is awaited before the headers go out, so a refusal found
 * early (an unknown model) is still a plain 4xx in the protocol's shape; a failure after that is one last error line.
 */
async function streamLines(answer: NdjsonAnswer, reply: FastifyReply, adapter: ProtocolAdapter, ac: AbortController): Promise<void> {
  const it = answer.lines[Symbol.asyncIterator]();
  const first = await it.next();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  try {
    if (!first.done) res.write(ndjsonLine(first.value));
    for (let r = first; !r.done && !ac.signal.aborted;) {
      r = await it.next();
      if (!r.done && !res.destroyed) res.write(ndjsonLine(r.value));
    }
  } catch (e) {
    const err = isCoreError(e) ? e : new CoreError('internal', 'Internal error while streaming.');
    if (!isCoreError(e)) reply.log.error({ err: e }, 'stream failed after headers were sent');
    if (!res.destroyed) res.write(ndjsonLine(adapter.encodeError(err)));
  } finally {
    await it.return?.();
    if (!res.writableEnded) res.end();
  }
}

async function handleChat(
  adapter: ProtocolAdapter,
  route: ChatRoute,
  pipeline: ChatPipeline,
  guard: ChatGuard,
  req: FastifyRequest,
  reply: FastifyReply,
  services?: ProtocolServices,
): Promise<unknown> {
  const caller = callerOf(req);
  const clientRequestId = clientRequestIdOf(req.headers);
  // On the raw response, so it goes out with every answer: JSON, a hijacked stream, or a refusal.
  if (clientRequestId !== undefined) reply.raw.setHeader('x-client-request-id', clientRequestId);
  let decoded = adapter.decode(req.body, route);
  if (adapter.prepare) decoded = await adapter.prepare(decoded, services ?? NO_SERVICES, caller);
  const key = appKeyOf(req);
  const release = guard.gate.acquire(key?.id, key?.name);
  const ac = new AbortController();
  // 'close' on the response fires when the connection goes away; if we had not finished, nobody is reading.
  const onClose = (): void => {
    if (!reply.raw.writableFinished) ac.abort();
  };
  reply.raw.on('close', onClose);
  // The wall-clock budget: the abort reason tells the pipeline (and the caller) it was the budget, not the client.
  const budgetMs = guard.limits.requestBudgetMs;
  const timer = setTimeout(() => ac.abort(budgetExceeded(budgetMs)), budgetMs);
  let run: PipelineRun | undefined;
  let answered = false;
  try {
    const started = await pipeline.handle(
      uniformRequest(decoded.request),
      {
        protocol: adapter.name,
        requestId: req.id,
        conversationId: decoded.conversationId,
        retryOf: decoded.retryOf,
        versionOf: decoded.versionOf,
        parentId: decoded.parentId,
        apiKeyId: key?.id,
        stream: decoded.stream,
        clientRequestId,
      },
      ac.signal,
    );
    run = started;
    const complete =
      adapter.complete || adapter.abandoned
        ? async (c: Collected) => {
            answered = true;
            await adapter.complete?.(started, c, decoded, services ?? NO_SERVICES, caller);
          }
        : undefined;
    if (decoded.stream) {
      await streamRun(adapter, decoded, started, reply, ac, complete);
      return reply;
    }
    return await collectRun(adapter, decoded, started, reply, complete).catch((e: unknown) => {
      // The answer's error event names only the type: past the request's own budget, the budget's error is the one to
      // render (it tells SDKs not to retry).
      throw isBudgetAbort(ac.signal) && isCoreError(e) && e.type === 'timeout' ? (ac.signal.reason as CoreError) : e;
    });
  } finally {
    clearTimeout(timer);
    release();
    // Ended without an answer: the run failed, or the caller went away (before the first token there is no run yet; a
    // refusal such as a full queue, with no run either, is left alone). Nobody waits for what this does.
    if (!answered && (run || clientGone(ac))) void adapter.abandoned?.(run, decoded, services ?? NO_SERVICES).catch(() => undefined);
  }
}

/** True once the caller is gone (not when the request's own budget ran out: that still gets an answer). */
const clientGone = (ac: AbortController): boolean => ac.signal.aborted && !isBudgetAbort(ac.signal);

/** The signal was aborted by the request's time budget. */
function isBudgetAbort(signal: AbortSignal): boolean {
  return signal.aborted && isCoreError(signal.reason) && signal.reason.type === 'timeout';
}

/**
 * Most characters of an x-client-request-id (the header OpenAI's API takes for the same purpose). Why 512: room for
 * any trace id (a UUID, a W3C traceparent, a job path), small enough to echo on every answer and list in /api/v1/system.
 */
export const CLIENT_REQUEST_ID_MAX = 512;

/**
 * The caller's own id for a chat request (`x-client-request-id`), or undefined when it sent none. It is the caller's
 * label, never our id: x-request-id stays the gateway's (the ledger row's unique, time-ordered key, from which answer
 * ids such as `chatcmpl-…` and stored responses are made), so a caller cannot collide with or claim another row.
 * Echoed on the answer and shown beside the request while it waits in /api/v1/system, where a queued client (which
 * has no answer headers yet) finds its position by it.
 */
export function clientRequestIdOf(headers: FastifyRequest['headers']): string | undefined {
  const raw = headers['x-client-request-id'];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw.join(', ') : raw).trim();
  if (value.length === 0 || value.length > CLIENT_REQUEST_ID_MAX || !/^[\x20-\x7e]+$/.test(value)) {
    throw new CoreError(
      'invalid_request',
      `Invalid x-client-request-id header: it must be 1 to ${CLIENT_REQUEST_ID_MAX} printable ASCII characters (it was ${value.length} characters${/^[\x20-\x7e]*$/.test(value) ? '' : ', with others'}).`,
    );
  }
  return value;
}

/** Services for a protocol mounted without any (bare test gateways): nothing stored, no models. */
const NO_SERVICES: ProtocolServices = {
  version: '0.0.0',
  startedAt: 0,
  now: () => Date.now(),
  models: async () => [],
  embed: async () => {
    throw new CoreError('no_model_available', 'Embeddings are not available here.');
  },
};

async function collectRun(
  adapter: ProtocolAdapter,
  decoded: Decoded,
  run: PipelineRun,
  reply: FastifyReply,
  complete?: (c: Collected) => Promise<void>,
): Promise<unknown> {
  let text = '';
  const toolCalls: ToolCall[] = [];
  let finishReason: FinishReason = 'stop';
  let stopSequence: string | undefined;
  let summary: Summary | undefined;
  let logprobs: TokenLogprob[] | undefined;
  for await (const ev of run.events) {
    if (ev.type === 'text-delta') text += ev.text;
    else if (ev.type === 'tool-call') toolCalls.push(ev.call);
    else if (ev.type === 'logprobs') logprobs = ev.tokens;
    else if (ev.type === 'summary') summary = ev.summary;
    else if (ev.type === 'done') {
      finishReason = ev.finishReason;
      stopSequence = ev.stopSequence;
    } else if (ev.type === 'error') throw new CoreError(ev.error.type, ev.error.message);
  }
  if (!summary) throw new CoreError('aborted', 'The request was cancelled.');
  // Money of a non-streamed answer, so an app on any protocol can total its own spend and savings.
  void reply.headers({
    ...routeHeaders(run),
    'x-hybrid-cost-usd': (summary.costMicros / 1e6).toFixed(6),
    'x-hybrid-all-cloud-usd': (summary.allCloudMicros / 1e6).toFixed(6),
    'x-hybrid-savings-usd': (summary.savingsMicros / 1e6).toFixed(6),
  });
  const collected: Collected = {
    text,
    toolCalls,
    finishReason,
    summary,
    ...(stopSequence !== undefined ? { stopSequence } : {}),
    ...(logprobs !== undefined ? { logprobs } : {}),
  };
  await complete?.(collected);
  return adapter.encodeResponse(run, collected, decoded);
}

async function streamRun(
  adapter: ProtocolAdapter,
  decoded: Decoded,
  run: PipelineRun,
  reply: FastifyReply,
  ac: AbortController,
  complete?: (c: Collected) => Promise<void>,
): Promise<void> {
  const enc = adapter.createStreamEncoder(run, decoded);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': enc.contentType,
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    ...routeHeaders(run),
  });
  const out = new CoalescingWriter(res);
  try {
    // The first frame goes out at once: time to first byte matters more than one saved syscall.
    res.write(enc.begin());
    // With a completion hook the answer is gathered as it goes, and handed over before the frame that ends it.
    const got: Collected | undefined = complete
      ? { text: '', toolCalls: [], finishReason: 'stop', summary: undefined as unknown as Summary }
      : undefined;
    for await (const ev of run.events) {
      if (clientGone(ac)) break;
      if (got) {
        if (ev.type === 'text-delta') got.text += ev.text;
        else if (ev.type === 'tool-call') got.toolCalls.push(ev.call);
        else if (ev.type === 'summary') got.summary = ev.summary;
        else if (ev.type === 'done') {
          got.finishReason = ev.finishReason;
          if (ev.stopSequence !== undefined) got.stopSequence = ev.stopSequence;
          if (got.summary) await complete!(got);
        }
      }
      await out.write(enc.encode(ev));
    }
    if (!clientGone(ac)) await out.write(enc.end());
    out.flush();
  } catch (e) {
    // Headers are gone: the only way to report is an error frame in the protocol's framing.
    reply.log.error({ err: e }, 'stream failed after headers were sent');
    out.flush();
    if (!res.destroyed) res.write(enc.encode({ type: 'error', error: { type: 'internal', message: 'Internal error while streaming.' } }));
  } finally {
    if (!res.writableEnded) res.end();
  }
}
