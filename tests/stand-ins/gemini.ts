// Stand-in for Google's Gemini API (AI Studio `/v1beta/models/M:generateContent|streamGenerateContent` with x-goog-api-key, and Vertex AI `/v1*/projects/P/locations/L/publishers/google/models/M:…` with a bearer token; JSON and SSE) in tests: no network here.
import { createPublicKey, createVerify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import * as wire from './cloud-common.js';

/** HTTP statuses the stand-in can fail with, each with the body Google sends. */
export type GeminiStandInErrorStatus = 400 | 401 | 403 | 429 | 500 | 503;

const errorBodies: Record<GeminiStandInErrorStatus, { status: string; message: string; details?: unknown[] }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received.' },
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
  403: { status: 'PERMISSION_DENIED', message: 'Permission denied on resource project.' },
  429: {
    status: 'RESOURCE_EXHAUSTED',
    message: 'You exceeded your current quota, please check your plan and billing details.',
    details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
  },
  500: { status: 'INTERNAL', message: 'An internal error has occurred.' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
};

/** How the stand-in answers the next requests (as the OpenAI stand-in: normal, error, hang, break, stream-error, no-finish). */
export type GeminiStandInMode =
  | { kind: 'normal' }
  | Omit<wire.ErrorMode<GeminiStandInErrorStatus>, 'retryAfter'>
  | { kind: 'hang' }
  | { kind: 'break'; afterDeltas: number }
  | { kind: 'stream-error'; afterDeltas: number }
  | { kind: 'no-finish' };

/** One request as the stand-in saw it. */
export interface RecordedGeminiRequest extends wire.RecordedRequestBase {
  /** The query string's parameters (`alt=sse` on streams). */
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Which API the path belongs to, and for Vertex AI its project and location. */
  api: 'ai-studio' | 'vertex';
  project?: string;
  location?: string;
  model?: string;
  /** Vertex AI: the bearer token's JWT claims when it is a JWT whose signature `publicKeyPem` verifies. */
  jwtClaims?: Record<string, unknown>;
}

/** Options of {@link startGeminiStandIn}. */
export interface GeminiStandInOptions {
  /** The AI Studio key accepted in `x-goog-api-key` (or `?key=`); default 'AIza-standin-key'. */
  apiKey?: string;
  /** Vertex AI: a PEM public key; a bearer token must then be an RS256 JWT it verifies (else any bearer is accepted). */
  publicKeyPem?: string;
  /** Delay between SSE chunks in ms; default 5. */
  deltaDelayMs?: number;
  /** Words in a normal answer before maxOutputTokens cuts it; default 24. */
  answerWords?: number;
  /** Reported as `cachedContentTokenCount` (part of promptTokenCount); default 0. */
  cachedTokens?: number;
  /** Thinking (unless the request sets thinkingBudget 0): a thought part first and this many `thoughtsTokenCount`, out of maxOutputTokens; default 0. */
  thoughtsTokens?: number;
  mode?: GeminiStandInMode;
}

/** A running stand-in; its `url` goes to the SDK as `httpOptions.baseUrl`. */
export type GeminiStandIn = wire.CloudStandIn<RecordedGeminiRequest, GeminiStandInMode>;

type WirePart = { text?: string; thought?: boolean; functionCall?: unknown; functionResponse?: unknown };
type WireContent = { role?: string; parts?: WirePart[] };

const textOfParts = (parts: WirePart[] | undefined) => (parts ?? []).map((p) => p.text ?? '').join(' ');

/** An RS256 JWT's claims when `publicKeyPem` verifies its signature; undefined otherwise. */
function verifiedClaims(token: string, publicKeyPem: string): Record<string, unknown> | undefined {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return undefined;
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(createPublicKey(publicKeyPem), Buffer.from(s, 'base64url'));
  return ok ? (JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined;
}

/** Starts the stand-in on 127.0.0.1 with an ephemeral port. */
export async function startGeminiStandIn(opts: GeminiStandInOptions = {}): Promise<GeminiStandIn> {
  const apiKey = opts.apiKey ?? 'AIza-standin-key';
  const delay = { ms: opts.deltaDelayMs ?? 5 };
  const answerWords = opts.answerWords ?? 24;
  const mode = new wire.ModeSwitch<GeminiStandInMode>(opts.mode ?? { kind: 'normal' });
  let seq = 0;

  const sendError = (res: ServerResponse, code: number, status: string, message: string, details?: unknown[]) => {
    res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }));
  };

  const handle = async (ex: wire.Exchange<RecordedGeminiRequest>) => {
    const { req, res, record } = ex;
    const studio = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(record.path);
    const vertex =
      /^\/v1(?:beta1)?\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(
        record.path,
      );
    if (req.method !== 'POST' || (!studio && !vertex)) return sendError(res, 404, 'NOT_FOUND', `Not found: ${req.method} ${record.path}`);
    let method: string;
    if (studio) {
      record.api = 'ai-studio';
      record.model = studio[1];
      method = studio[2]!;
      const key = req.headers['x-goog-api-key'] ?? record.query.key;
      // AI Studio answers a wrong key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID (not 401).
      if (key !== apiKey)
        return sendError(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
        ]);
    } else {
      record.api = 'vertex';
      record.project = vertex![1];
      record.location = vertex![2];
      record.model = vertex![3];
      method = vertex![4]!;
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer) return sendError(res, 401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
      if (opts.publicKeyPem) {
        const claims = verifiedClaims(bearer, opts.publicKeyPem);
        if (!claims) return sendError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
        record.jwtClaims = claims;
      }
    }
    const stream = method === 'streamGenerateContent';
    if (stream && record.query.alt !== 'sse') return sendError(res, 400, 'INVALID_ARGUMENT', 'This stand-in streams only with alt=sse.');

    const body = record.body as
      | {
          contents?: WireContent[];
          systemInstruction?: WireContent;
          generationConfig?: Record<string, unknown>;
          tools?: Array<{ functionDeclarations?: Array<{ name: string; parametersJsonSchema?: unknown; parameters?: unknown }> }>;
          toolConfig?: { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } };
        }
      | undefined;
    if (!body || !Array.isArray(body.contents) || body.contents.length === 0)
      return sendError(res, 400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified');
    for (const c of body.contents)
      if (c.role !== 'user' && c.role !== 'model')
        return sendError(res, 400, 'INVALID_ARGUMENT', `Please use a valid role: user, model. Got: ${String(c.role)}`);

    const failure = mode.takeError();
    if (failure) {
      const e = errorBodies[failure.status];
      return sendError(res, failure.status, e.status, e.message, e.details);
    }
    const current = mode.current;
    if (current.kind === 'hang') return;

    seq++;
    const gc = body.generationConfig ?? {};
    const limit = Number(gc.maxOutputTokens ?? Number.POSITIVE_INFINITY);
    const promptTokens =
      wire.roughTokens(textOfParts(body.systemInstruction?.parts)) +
      body.contents.reduce((n, c) => n + wire.roughTokens(textOfParts(c.parts)), 0);
    const cached = Math.min(promptTokens, opts.cachedTokens ?? 0);
    const decls = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
    const fcc = body.toolConfig?.functionCallingConfig;
    const lastAnswersTool = (body.contents.at(-1)?.parts ?? []).some((p) => p.functionResponse);
    const forced = fcc?.mode === 'ANY';
    const tool =
      decls.length > 0 && fcc?.mode !== 'NONE' && (!lastAnswersTool || forced)
        ? ((fcc?.allowedFunctionNames?.length ? decls.find((d) => d.name === fcc.allowedFunctionNames![0]) : undefined) ?? decls[0])
        : undefined;

    let pieces: string[];
    if (gc.responseMimeType === 'application/json') {
      const json = JSON.stringify(gc.responseJsonSchema ? wire.sampleFor(gc.responseJsonSchema) : { answer: 'Paris' });
      pieces = [json.slice(0, Math.ceil(json.length / 2)), json.slice(Math.ceil(json.length / 2))];
    } else {
      const lastUser = [...body.contents].reverse().find((c) => c.role === 'user');
      const words = wire.answerWords(['Stand-in', 'Gemini', 'heard:'], textOfParts(lastUser?.parts), answerWords);
      pieces = words.map((w, i) => (i === 0 ? w : ` ${w}`));
    }
    // Thinking (on unless thinkingBudget is 0) spends the same maxOutputTokens budget as the answer, as on Gemini 2.5.
    const thinkingOff = (gc.thinkingConfig as { thinkingBudget?: number } | undefined)?.thinkingBudget === 0;
    const thoughts = thinkingOff ? 0 : Math.min(opts.thoughtsTokens ?? 0, limit);
    const cut = tool ? [] : pieces.slice(0, limit - thoughts);
    const finishReason = tool ? 'STOP' : cut.length < pieces.length ? 'MAX_TOKENS' : 'STOP';
    const usageOf = (candidates: number) => ({
      promptTokenCount: promptTokens,
      candidatesTokenCount: candidates,
      totalTokenCount: promptTokens + candidates + thoughts,
      ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
      ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    });
    const call = tool ? { name: tool.name, args: wire.sampleFor(tool.parametersJsonSchema ?? tool.parameters) } : undefined;
    const responseId = `standin-${seq}`;
    const modelVersion = record.model;

    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(
        JSON.stringify({
          candidates: [
            {
              content: { role: 'model', parts: call ? [{ functionCall: call }] : [{ text: cut.join('') }] },
              finishReason,
              index: 0,
            },
          ],
          usageMetadata: usageOf(call ? 5 : cut.length),
          modelVersion,
          responseId,
        }),
      );
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => {
      if (!res.destroyed) res.write(`data: ${JSON.stringify(data)}\r\n\r\n`);
    };
    const chunk = (parts: WirePart[], done: boolean, candidates: number) =>
      send({
        candidates: [{ content: { role: 'model', parts }, index: 0, ...(done ? { finishReason } : {}) }],
        usageMetadata: usageOf(candidates),
        modelVersion,
        responseId,
      });
    if (thoughts > 0) chunk([{ text: 'Let me think about this.', thought: true }], false, 0);
    if (call) {
      chunk([{ functionCall: call }], current.kind !== 'no-finish', 5);
      res.end();
      return;
    }
    res.flushHeaders();
    const complete = await wire.streamDeltas(server, ex, {
      count: cut.length,
      delayMs: () => delay.ms,
      fault: wire.streamFaultOf(current),
      // Let the chunks already written reach the client, then drop the connection.
      settleBeforeBreak: true,
      emit: (i) => chunk([{ text: cut[i] }], current.kind !== 'no-finish' && i === cut.length - 1, i + 1),
      streamError: () => send({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }),
    });
    if (!complete) return;
    if (cut.length === 0 && current.kind !== 'no-finish') chunk([{ text: '' }], true, 0);
    res.end();
  };

  const server = await wire.startRecordingServer<RecordedGeminiRequest>({
    record: (req, body) => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      return {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers },
        body,
        api: 'ai-studio',
        disconnected: false,
      };
    },
    handle,
  });

  return wire.cloudStandIn(`http://127.0.0.1:${server.port}`, server, mode, delay);
}
