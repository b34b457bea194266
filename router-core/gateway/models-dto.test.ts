// parallelDto: the embedded engine's load, passed in the engine's own shape, becomes /api/v1/system `parallel` with only
// the wire's fields (who asked, model paths, phases and finished calls stay in the core).
import { describe, expect, it } from 'vitest';
import type { LocalParallelism } from '../contracts/hardware.js';
import type { LlamaCppEngineInfo } from '../engines/llamacpp.js';
import { parallelDto } from './models-dto.js';

/** What the llama.cpp engine's info() reports with two calls running, one waiting and two models loaded. */
const info: LlamaCppEngineInfo = {
  threads: 2,
  workersStarted: 1,
  loadedModels: ['/m/a.gguf', '/m/b.gguf'],
  modelLoads: 2,
  modelsFreed: 0,
  running: [
    { id: 7, model: 'a', owner: 'master', phase: 'generating', promptTokens: 12, evaluatedTokens: 12, deltas: 3, abortRequested: false },
    { id: 8, model: 'b', owner: 'key-1', phase: 'evaluating', promptTokens: 40, evaluatedTokens: 16, deltas: 0, abortRequested: false },
  ],
  queued: 2,
  queue: [
    { id: 9, requestId: 'r-9', clientRequestId: 'mine-9', model: 'a', owner: 'key-2', position: 1 },
    { id: 10, model: 'a', owner: 'master', position: 2 },
  ],
  queueLimit: 8,
  sequences: 2,
  models: [
    {
      path: '/m/a.gguf',
      model: 'a',
      sequences: 1,
      requestedSequences: 2,
      busy: 1,
      queued: 1,
      uses: 3,
      freeing: false,
      contextSize: 2048,
      bytesPerSequence: 1_000,
      contextBytes: 3_000,
      flashAttention: false,
      limitedBy: 'free memory holds 1 sequence',
    },
    {
      path: '/m/b.gguf',
      model: 'b',
      sequences: 2,
      requestedSequences: 2,
      busy: 1,
      queued: 0,
      uses: 1,
      freeing: false,
      contextSize: 1024,
      bytesPerSequence: 500,
      contextBytes: 1_500,
      flashAttention: true,
    },
  ],
  finished: [],
};

const parallel = (e: LlamaCppEngineInfo): LocalParallelism => ({
  ...e,
  sequences: 2,
  sequencesFrom: 'tier 3',
  ollama: { numParallel: null, keepAlive: '30m' },
});

describe('parallelDto', () => {
  it('maps the engine’s own shape to exactly the wire fields, in the wire order', () => {
    expect(JSON.stringify(parallelDto(parallel(info)))).toBe(
      JSON.stringify({
        sequences: 2,
        sequences_from: 'tier 3',
        queue_limit: 8,
        running: 2,
        queued: 2,
        // The key that asked (owner) stays out: only the master token reads /api/v1/system.
        queue: [
          { id: 9, request_id: 'r-9', client_request_id: 'mine-9', model: 'a', position: 1 },
          { id: 10, request_id: null, client_request_id: null, model: 'a', position: 2 },
        ],
        models: [
          {
            model: 'a',
            sequences: 1,
            requested_sequences: 2,
            busy: 1,
            queued: 1,
            context_size: 2048,
            bytes_per_sequence: 1_000,
            context_bytes: 3_000,
            flash_attention: false,
            limited_by: 'free memory holds 1 sequence',
          },
          {
            model: 'b',
            sequences: 2,
            requested_sequences: 2,
            busy: 1,
            queued: 0,
            context_size: 1024,
            bytes_per_sequence: 500,
            context_bytes: 1_500,
            flash_attention: true,
          },
        ],
        ollama: { num_parallel: null, keep_alive: '30m' },
      }),
    );
  });

  it('without the embedded engine: nothing running, waiting or loaded', () => {
    expect(
      parallelDto({
        sequences: 1,
        sequencesFrom: 'tier 1',
        queueLimit: 0,
        running: [],
        queued: 0,
        queue: [],
        models: [],
        ollama: { numParallel: 2, keepAlive: '30m' },
      }),
    ).toEqual({
      sequences: 1,
      sequences_from: 'tier 1',
      queue_limit: 0,
      running: 0,
      queued: 0,
      queue: [],
      models: [],
      ollama: { num_parallel: 2, keep_alive: '30m' },
    });
  });
});
