// What the cloud API stand-ins (Claude, OpenAI, Gemini) and the Ollama stand-in share in tests: a loopback HTTP server
// that records each request and notes when the client hung up, injected errors (status, retry-after, how many times),
// and a stream that can be cut or failed midway. Each stand-in keeps its own protocol; this holds no API's wire format.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What every stand-in records of a request. */
export interface RecordedRequestBase {
  method: string;
  path: string;
  /** Parsed JSON body (undefined when not JSON). */
  body: unknown;
  /** True when the client closed the connection before the response ended. */
  disconnected: boolean;
}

/** One request being answered. */
export interface Exchange<R extends RecordedRequestBase> {
  req: IncomingMessage;
  res: ServerResponse;
  record: R;
}

/** A running recording server. */
export interface RecordingServer<R extends RecordedRequestBase> {
  port: number;
  /** Every request received, in order. */
  requests: R[];
  /** How many responses the client abandoned before they ended (not those the stand-in cut itself). */
  readonly disconnects: number;
  /** Drops the connection midway, as a broken link would; not counted as a client disconnect. */
  cut(ex: Exchange<R>): void;
  /** Destroys open sockets (hanging requests included) and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 (an ephemeral port unless `port`): reads each body (JSON when it parses), makes a
 * record with `record` and keeps it, marks it `disconnected` when the client hangs up early, then calls `handle`.
 */
export async function startRecordingServer<R extends RecordedRequestBase>(o: {
  port?: number;
  record(req: IncomingMessage, body: unknown): R;
  handle(ex: Exchange<R>): Promise<unknown>;
}): Promise<RecordingServer<R>> {
  const requests: R[] = [];
  const sockets = new Set<Socket>();
  // Responses the stand-in itself cut (mode 'break'): not counted as client disconnects.
  const broken = new WeakSet<R>();
  let disconnects = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const record = o.record(req, body);
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished && !broken.has(record)) {
          record.disconnected = true;
          disconnects++;
        }
      });
      o.handle({ req, res, record }).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    requests,
    get disconnects() {
      return disconnects;
    },
    cut({ req, record }) {
      broken.add(record);
      req.socket.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request's path without its query string. */
export const pathOf = (req: IncomingMessage): string => (req.url ?? '').split('?')[0] ?? '';

/** An injected failure: answer with `status` (the first `times` requests only; all when absent). */
export interface ErrorMode<S extends number = number> {
  kind: 'error';
  status: S;
  times?: number;
  /** Sent as `retry-after` (seconds, may be fractional), where the stand-in's API sends one. */
  retryAfter?: string;
}

/** The mode a stand-in answers in, and how many injected errors it has served since the mode was set. */
export class ModeSwitch<M extends { kind: string }> {
  private served = 0;
  constructor(public current: M) {}

  set(mode: M): void {
    this.current = mode;
    this.served = 0;
  }

  /** The error mode when this request must fail with it (and counts it as served); undefined otherwise. */
  takeError(): Extract<M, { kind: 'error' }> | undefined {
    const m = this.current as M & { kind: string; times?: number };
    if (m.kind !== 'error' || (m.times !== undefined && this.served >= m.times)) return undefined;
    this.served++;
    return m as Extract<M, { kind: 'error' }>;
  }
}

/** The `retry-after` header of an injected error: the test's value, else '1' on a 429 (as Claude and OpenAI always send). */
export function retryAfterHeader(mode: { status: number; retryAfter?: string }): Record<string, string> {
  const retryAfter = mode.retryAfter ?? (mode.status === 429 ? '1' : undefined);
  return retryAfter === undefined ? {} : { 'retry-after': retryAfter };
}

/** A fault a stream can hit after `after` deltas: the socket destroyed, or the protocol's error event. */
export type StreamFault = { kind: 'break' | 'stream-error'; after: number } | undefined;

/** The fault a mode with `afterDeltas` asks for, if any. */
export function streamFaultOf(mode: { kind: string; afterDeltas?: number }): StreamFault {
  return (mode.kind === 'break' || mode.kind === 'stream-error') && mode.afterDeltas !== undefined
    ? { kind: mode.kind, after: mode.afterDeltas }
    : undefined;
}

/**
 * Sends `count` deltas with `emit(i)`, `delayMs` apart (none when 0), stopping when the client hangs up. On `fault`:
 * 'break' cuts the connection (after one more `delayMs` when `settleBeforeBreak`, so the deltas written reach the
 * client first); 'stream-error' calls `streamError()` and ends the response. Returns true when every delta went out
 * and the caller should finish the stream.
 */
export async function streamDeltas<R extends RecordedRequestBase>(
  server: Pick<RecordingServer<R>, 'cut'>,
  ex: Exchange<R>,
  o: {
    count: number;
    delayMs: () => number;
    fault: StreamFault;
    emit(i: number): void;
    streamError(): void;
    settleBeforeBreak?: boolean;
  },
): Promise<boolean> {
  const { res, record } = ex;
  for (let i = 0; i < o.count; i++) {
    if (o.fault?.kind === 'break' && i === o.fault.after) {
      if (o.settleBeforeBreak) await sleep(o.delayMs());
      server.cut(ex);
      return false;
    }
    if (o.fault?.kind === 'stream-error' && i === o.fault.after) {
      o.streamError();
      res.end();
      return false;
    }
    const delay = o.delayMs();
    if (delay > 0) await sleep(delay);
    if (res.destroyed || record.disconnected) return false;
    o.emit(i);
  }
  return true;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rough token count: words, the rule the stand-ins use for usage. */
export function roughTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The text of a message's content: a string, or the `text` of its blocks joined by spaces. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b: unknown) => (b && typeof b === 'object' && 'text' in b && typeof b.text === 'string' ? b.text : '')).join(' ');
  }
  return '';
}

/** A deterministic answer: `head` then the prompt's words, then w1, w2, … up to `n` words. */
export function answerWords(head: string[], prompt: string, n: number): string[] {
  const words = [...head, ...prompt.split(/\s+/).filter(Boolean)].slice(0, n);
  for (let i = 1; words.length < n; i++) words.push(`w${i}`);
  return words;
}

/**
 * A value that fits `schema` (the subset tool schemas use: object, array, string, number, integer, boolean, null,
 * enum, const, anyOf/oneOf, $ref into $defs), so a forced tool call answers as the real API must: with valid input.
 */
export function sampleFor(schema: unknown, defs: Record<string, unknown> = {}, depth = 0): unknown {
  const s = (schema ?? {}) as Record<string, unknown>;
  const allDefs = { ...defs, ...((s.$defs ?? s.definitions ?? {}) as Record<string, unknown>) };
  if (depth > 20) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const choice = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(choice)) return sampleFor(choice[0], allDefs, depth + 1);
  if (typeof s.$ref === 'string') return sampleFor(allDefs[s.$ref.split('/').pop()!], allDefs, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleFor(v, allDefs, depth + 1)]));
    }
    case 'array': {
      const n = Math.max(1, Number(s.minItems ?? 1));
      return Array.from({ length: n }, () => sampleFor(s.items, allDefs, depth + 1));
    }
    case 'string':
      return s.format === 'date' ? '2026-01-02' : s.format === 'date-time' ? '2026-01-02T03:04:05Z' : 'Paris';
    case 'integer':
    case 'number':
      return Number(s.minimum ?? 1);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** What a cloud stand-in hands its tests. */
export interface CloudStandIn<R extends RecordedRequestBase, M extends { kind: string }> {
  /** Base URL to give the SDK. */
  url: string;
  /** Every request received, in order. */
  requests: R[];
  /** How many responses the client abandoned before they ended. */
  readonly disconnects: number;
  /** Answer the next requests in this mode (an error mode's count starts again). */
  setMode(mode: M): void;
  /** Delay between streamed deltas in ms. */
  setDeltaDelay(ms: number): void;
  close(): Promise<void>;
}

/** The {@link CloudStandIn} over a recording server, its mode and its delta delay. */
export function cloudStandIn<R extends RecordedRequestBase, M extends { kind: string }>(
  url: string,
  server: RecordingServer<R>,
  mode: ModeSwitch<M>,
  delay: { ms: number },
): CloudStandIn<R, M> {
  return {
    url,
    requests: server.requests,
    get disconnects() {
      return server.disconnects;
    },
    setMode: (m) => mode.set(m),
    setDeltaDelay: (ms) => {
      delay.ms = ms;
    },
    close: () => server.close(),
  };
}
