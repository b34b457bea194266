// Golden frames for the native API adapter: the route frame with full reasons, deltas, summary, done.
import { describe, expect, it } from 'vitest';
import type { PipelineRun, Summary } from '../../pipeline.js';
import { nativeProtocol, routingInfo } from './native.js';

const run: PipelineRun = {
  requestId: 'r1',
  decision: {
    route: 'small',
    model: 'tinyllama',
    engine: 'llamacpp',
    complexity: 0.1234,
    reasons: ['complexity 0.12 → small', 'short greeting'],
    fallbacks: [],
  },
  fallbackFrom: [],
  events: (async function* () {})(),
};
const summary: Summary = {
  requestId: 'r1',
  usage: { inputTokens: 3, outputTokens: 2 },
  costMicros: 0,
  allCloudMicros: 39,
  savingsMicros: 39,
  latencyMs: 25,
  ttftMs: 5,
};

describe('native SSE (golden)', () => {
  it('route (with every reason), delta, summary, done', () => {
    const enc = nativeProtocol.createStreamEncoder(
      run,
      nativeProtocol.decode({ prompt: 'hi', stream: true }, nativeProtocol.chatRoutes[0]!),
    );
    const out =
      enc.begin() +
      enc.encode({ type: 'text-delta', text: 'Hi' }) +
      enc.encode({ type: 'usage', usage: summary.usage }) +
      enc.encode({ type: 'summary', summary }) +
      enc.encode({ type: 'done', finishReason: 'stop' }) +
      enc.end();
    expect(out).toBe(
      'event: route\ndata: {"id":"r1","route":"small","model":"tinyllama","engine":"llamacpp","complexity":0.123,"reasons":["complexity 0.12 → small","short greeting"],"reasoning":"complexity 0.12 → small; short greeting","fallback_from":[]}\n\n' +
        'event: delta\ndata: {"text":"Hi"}\n\n' +
        'event: summary\ndata: {"usage":{"input_tokens":3,"output_tokens":2},"cost":0,"cost_micros":0,"all_cloud_cost_micros":39,"savings_micros":39,"latency_seconds":0.025,"ttft_ms":5}\n\n' +
        'event: done\ndata: {"finish_reason":"stop"}\n\n',
    );
  });
});

describe('routingInfo', () => {
  const reasons = [
    'complexity 0.12 → small',
    'cascade: tinyllama answers, checked before it is shown; phi2 if it looks weak',
    "cascade: tinyllama's answer looked weak (it failed (upstream_unavailable)) → escalated",
  ];

  it('shows the run’s escalation field as it is (model and why), with the reasons kept for people', () => {
    const escalated: PipelineRun = {
      ...run,
      decision: { ...run.decision, route: 'medium', model: 'phi2', reasons },
      escalated: { from: 'tinyllama', reason: 'it failed (upstream_unavailable)' },
    };
    expect(routingInfo(escalated)).toMatchObject({
      model: 'phi2',
      escalated: { from: 'tinyllama', reason: 'it failed (upstream_unavailable)' },
      reasons,
    });
  });

  it('the field, not the wording of a reason, decides: no field, no escalation; cached only on hits', () => {
    const info = routingInfo({ ...run, decision: { ...run.decision, reasons } });
    expect(info).not.toHaveProperty('escalated');
    expect(info).not.toHaveProperty('cached');
    expect(routingInfo({ ...run, cached: true })).toMatchObject({ cached: true });
  });
});

describe('native decode', () => {
  it('takes retry_of (the answer a retry replaces) beside conversation_id, and names a bad one', () => {
    const d = nativeProtocol.decode({ prompt: 'hi', conversation_id: 'c1', retry_of: 'req-1' }, nativeProtocol.chatRoutes[0]!);
    expect(d).toMatchObject({ conversationId: 'c1', retryOf: 'req-1' });
    expect(nativeProtocol.decode({ prompt: 'hi' }, nativeProtocol.chatRoutes[0]!).retryOf).toBeUndefined();
    expect(() => nativeProtocol.decode({ prompt: 'hi', retry_of: '' }, nativeProtocol.chatRoutes[0]!)).toThrow(/retry_of/);
  });
});
