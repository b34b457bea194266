// Generic chat route: decode → pipeline.handle → JSON or stream encode; a client disconnect aborts generation.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError } from '../errors.js';
import type { ChatPipeline, PipelineRun, Summary } from '../pipeline.js';
import type { FinishReason } from '../contracts/stream.js';
import type { ChatRoute, Decoded, ProtocolAdapter } from './protocol.js';
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

/** Register every chat route of `adapter` on `app`. */
export function mountProtocol(app: FastifyInstance, adapter: ProtocolAdapter, pipeline: ChatPipeline): void {
  for (const route of adapter.chatRoutes) {
    app.route({
      method: route.method,
      url: route.url,
      config: { protocol: adapter.name },
      handler: (req, reply) => handleChat(adapter, route, pipeline, req, reply),
    });
  }
}

async function handleChat(
  adapter: ProtocolAdapter,
  route: ChatRoute,
  pipeline: ChatPipeline,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const decoded = adapter.decode(req.body, route);
  const ac = new AbortController();
  // 'close' on the response fires when the connection goes away; if we had not finished, nobody is reading.
  const onClose = (): void => {
    if (!reply.raw.writableFinished) ac.abort();
  };
  reply.raw.on('close', onClose);
  const run = await pipeline.handle(decoded.request, { protocol: adapter.name, requestId: req.id }, ac.signal);
  if (decoded.stream) {
    await streamRun(adapter, decoded, run, reply, ac);
    return reply;
  }
  return collectRun(adapter, decoded, run, reply);
}

async function collectRun(adapter: ProtocolAdapter, decoded: Decoded, run: PipelineRun, reply: FastifyReply): Promise<unknown> {
  let text = '';
  let finishReason: FinishReason = 'stop';
  let summary: Summary | undefined;
  for await (const ev of run.events) {
    if (ev.type === 'text-delta') text += ev.text;
    else if (ev.type === 'summary') summary = ev.summary;
    else if (ev.type === 'done') finishReason = ev.finishReason;
    else if (ev.type === 'error') throw new CoreError(ev.error.type, ev.error.message);
  }
  if (!summary) throw new CoreError('aborted', 'The request was cancelled.');
  void reply.headers({ ...routeHeaders(run), 'x-hybrid-cost-usd': (summary.costMicros / 1e6).toFixed(6) });
  return adapter.encodeResponse(run, { text, finishReason, summary }, decoded);
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
      if (ac.signal.aborted) break;
      await out.write(enc.encode(ev));
    }
    if (!ac.signal.aborted) await out.write(enc.end());
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
