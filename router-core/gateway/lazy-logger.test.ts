// LazyChildLogger over a real pino logger writing to memory: no child until something logs, then the same lines a
// pino child writes (bindings, redaction, level).
import { Writable } from 'node:stream';
import type pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../server/logger.js';
import { LazyChildLogger } from './lazy-logger.js';

function memoryLogger(level = 'info'): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level, destination });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('LazyChildLogger', () => {
  it('makes no child until a line is logged, then one child for every later line', () => {
    const { logger } = memoryLogger();
    const child = vi.spyOn(logger, 'child');
    const lazy = new LazyChildLogger(logger, { reqId: 'r1' }, {});
    expect(lazy.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    lazy.info('one');
    lazy.warn({ a: 1 }, 'two');
    expect(child).toHaveBeenCalledTimes(1);
  });

  it('writes what a pino child writes: the bindings, the message, the fields, with redaction', () => {
    const { logger, lines } = memoryLogger();
    const lazy = new LazyChildLogger(logger, { reqId: 'r2' }, {});
    lazy.info({ token: 'secret-token-value', n: 3 }, 'hello %s', 'world');
    lazy.error({ err: new Error('boom') }, 'failed');
    const [first, second] = lines();
    expect(first).toMatchObject({ reqId: 'r2', msg: 'hello world', n: 3, token: '[redacted]', level: 30, service: 'hybrid-ai' });
    expect(second).toMatchObject({ reqId: 'r2', msg: 'failed', level: 50 });
    expect((second!.err as { message: string }).message).toBe('boom');
    expect(JSON.stringify(lines())).not.toContain('secret-token-value');
  });

  it('respects the level: debug is dropped at info; setting the level applies to this request only', () => {
    const { logger, lines } = memoryLogger('info');
    const lazy = new LazyChildLogger(logger, { reqId: 'r3' }, {});
    lazy.debug('hidden');
    expect(lines()).toEqual([]);
    lazy.level = 'debug';
    lazy.debug('shown');
    expect(lines()).toMatchObject([{ reqId: 'r3', msg: 'shown', level: 20 }]);
    expect(logger.level).toBe('info');
    expect(lazy.level).toBe('debug');
  });

  it('child() of a lazy logger carries both bindings', () => {
    const { logger, lines } = memoryLogger();
    new LazyChildLogger(logger, { reqId: 'r4' }, {}).child({ part: 'x' }).info('nested');
    expect(lines()).toMatchObject([{ reqId: 'r4', part: 'x', msg: 'nested' }]);
  });
});
