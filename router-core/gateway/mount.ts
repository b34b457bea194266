// Generic chat route: decode → pipeline.handle → JSON or stream encode; a client disconnect aborts generation.
// Also mounts each protocol's non-chat routes over framework-free ProtocolServices.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ToolCall } from '../contracts/chat.js';
import type { Availability, EngineId } from '../contracts/decision.js';
import { modelCatalog } from '../data/models.js';
import { CoreError, isCoreError } from '../errors.js';
import type { ChatPipeline, PipelineRun, Summary } from '../pipeline.js';
import type { FinishReason } from '../contracts/stream.js';
import type { ChatRoute, Decoded, ModelListing, ProtocolAdapter, ProtocolServices } from './protocol.js';
import {
  budgetExceeded,
  createConcurrencyGate,
  DEFAULT_MAX_CONCURRENT_PER_KEY,
  DEFAULT_REQUEST_BUDGET_MS,
  type ChatLimits,
} from './chat-limits.js';
import { appKeyOf } from './security.js';
import { CoalescingWriter } from './sse.js';

/** Response headers every protocol carries so any client can see the route (issue: "x-hybrid-*"). */
export function routeHeaders(run: PipelineRun): Record<string, string> {
  return {
    'x-hybrid-route': run.decision.route,
    'x-hybrid-model': run.decision.model,
    'x-hybrid-engine': run.decision.engine,
    'x-hybrid-complexity': run.decision.complexity.toFixed(3),
    'x-request-id': run.requestId,
  };
}

/** What {@link createProtocolServices} builds the services from. */
export interface ProtocolServicesDeps {
  version: string;
  startedAt: number;
  now(): number;
  availability(): Promise<Availability>;
  pipeline: ChatPipeline;
}

/** The models a caller may name now, for every protocol's model list (pure over an availability snapshot). */
export function listModels(a: Availability, embedEngines: readonly EngineId[]): ModelListing[] {
  const on = (id: string): EngineId[] =>
    (Object.entries(a.engines) as Array<[EngineId, NonNullable<Availability['engines'][EngineId]>]>)
      .filter(([, e]) => e.ok && e.models.includes(id))
      .map(([engine]) => engine);
  const toolsOn = (engines: EngineId[]): boolean => engines.some((e) => a.engines[e]?.tools === true);
  const out: ModelListing[] = [];
  const known = new Set<string>();
  for (const m of modelCatalog) {
    known.add(m.id);
    const engines = on(m.id);
    if (engines.length === 0) continue;
    out.push({
      id: m.id,
      kind: m.kind,
      label: m.label,
      engines,
      supportsTools: m.supportsTools === true && toolsOn(engines),
      canEmbed: m.kind === 'local' && engines.some((e) => embedEngines.includes(e)),
      ...(m.kind === 'local'
        ? { paramsB: m.paramsB, contextLength: m.contextLength, quantization: m.quantization, sizeBytes: m.sizeBytes }
        : {}),
    });
  }
  // Names an engine offers beyond the catalog (an Ollama tag): abilities unknown here, the engine decides.
  for (const engine of Object.values(a.engines)) {
    for (const id of engine?.ok ? engine.models : []) {
      if (known.has(id)) continue;
      known.add(id);
      const engines = on(id);
      out.push({ id, kind: 'local', label: id, engines, supportsTools: false, canEmbed: engines.some((e) => embedEngines.includes(e)) });
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

/** Services for the protocols' non-chat routes. */
export function createProtocolServices(deps: ProtocolServicesDeps): ProtocolServices {
  return {
    version: deps.version,
    startedAt: deps.startedAt,
    now: deps.now,
    models: async () => listModels(await deps.availability(), deps.pipeline.embedEngines()),
    embed: (texts, model, signal) => deps.pipeline.embed(texts, model, signal),
  };
}

/** Chat limits and the per-key gate, shared by every protocol of one gateway. */
export interface ChatGuard {
  limits: ChatLimits;
  gate: ReturnType<typeof createConcurrencyGate>;
}

/** The guard for one gateway: `limits` over the defaults. */
export function createChatGuard(limits: Partial<ChatLimits> = {}): ChatGuard {
  const full: ChatLimits = {
    requestBudgetMs: limits.requestBudgetMs ?? DEFAULT_REQUEST_BUDGET_MS,
    maxConcurrentPerKey: limits.maxConcurrentPerKey ?? DEFAULT_MAX_CONCURRENT_PER_KEY,
  };
  return { limits: full, gate: createConcurrencyGate(full.maxConcurrentPerKey) };
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
      handler: (req, reply) => handleChat(adapter, route, pipeline, guard, req, reply),
    });
  }
  if (!services) return;
  for (const route of adapter.extraRoutes ?? []) {
    app.route({
      method: route.method,
      url: route.url,
      config: { protocol: adapter.name },
      handler: async (req, reply) => {
        const ac = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) ac.abort();
        });
        return route.handle({ body: req.body, signal: ac.signal }, services);
      },
    });
  }
}

async function handleChat(
  adapter: ProtocolAdapter,
  route: ChatRoute,
  pipeline: ChatPipeline,
  guard: ChatGuard,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const decoded = adapter.decode(req.body, route);
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
  try {
    const run = await pipeline.handle(
      decoded.request,
      {
        protocol: adapter.name,
        requestId: req.id,
        conversationId: decoded.conversationId,
        retryOf: decoded.retryOf,
        versionOf: decoded.versionOf,
        apiKeyId: key?.id,
        stream: decoded.stream,
      },
      ac.signal,
    );
    if (decoded.stream) {
      await streamRun(adapter, decoded, run, reply, ac);
      return reply;
    }
    return await collectRun(adapter, decoded, run, reply);
  } finally {
    clearTimeout(timer);
    release();
  }
}

/** True once the caller is gone (not when the request's own budget ran out: that still gets an answer). */
const clientGone = (ac: AbortController): boolean => ac.signal.aborted && !isBudgetAbort(ac.signal);

/** The signal was aborted by the request's time budget. */
function isBudgetAbort(signal: AbortSignal): boolean {
  return signal.aborted && isCoreError(signal.reason) && signal.reason.type === 'timeout';
}

async function collectRun(adapter: ProtocolAdapter, decoded: Decoded, run: PipelineRun, reply: FastifyReply): Promise<unknown> {
  let text = '';
  const toolCalls: ToolCall[] = [];
  let finishReason: FinishReason = 'stop';
  let summary: Summary | undefined;
  for await (const ev of run.events) {
    if (ev.type === 'text-delta') text += ev.text;
    else if (ev.type === 'tool-call') toolCalls.push(ev.call);
    else if (ev.type === 'summary') summary = ev.summary;
    else if (ev.type === 'done') finishReason = ev.finishReason;
    else if (ev.type === 'error') throw new CoreError(ev.error.type, ev.error.message);
  }
  if (!summary) throw new CoreError('aborted', 'The request was cancelled.');
  // Money of a non-streamed answer, so an app on any protocol can total its own spend and savings.
  void reply.headers({
    ...routeHeaders(run),
    'x-hybrid-cost-usd': (summary.costMicros / 1e6).toFixed(6),
    'x-hybrid-all-cloud-usd': (summary.allCloudMicros / 1e6).toFixed(6),
    'x-hybrid-savings-usd': (summary.savingsMicros / 1e6).toFixed(6),
  });
  return adapter.encodeResponse(run, { text, toolCalls, finishReason, summary }, decoded);
}

async function streamRun(
  adapter: ProtocolAdapter,
  decoded: Decoded,
  run: PipelineRun,
  reply: FastifyReply,
  ac: AbortController,
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
    for await (const ev of run.events) {
      if (clientGone(ac)) break;
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
