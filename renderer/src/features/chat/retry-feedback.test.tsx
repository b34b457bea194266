// @vitest-environment jsdom
// "Retry with Claude" on a local answer records the miss and re-asks with the Claude override; the answer's actions.
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ErrorKind, RoutingInfo } from '../../api/types';
import { MessageList, type RetryAvailability } from './MessageList';
import { useChatStream, type UiMessage } from './useChatStream';

/** Requests made, in order; `/api/v1/chat` answers SSE from `answer`, `/api/v1/feedback` from `feedback`. */
let calls: Array<{ method: string; url: string; body: Record<string, unknown> | undefined }>;
let feedback: () => { status: number; json: unknown };
let chatId = 0;

function sse(model: string, engine: string, text: string): string {
  const id = `req-${++chatId}`;
  // As the core sends it: a cloud answer names its provider.
  const provider = engine === 'anthropic' ? { provider: 'anthropic' } : {};
  const route = {
    id,
    route: engine === 'anthropic' ? 'cloud' : 'small',
    model,
    engine,
    ...provider,
    complexity: 0.1,
    reasons: [],
    fallback_from: [],
  };
  const summary = {
    usage: { input_tokens: 2, output_tokens: 3 },
    cost_micros: engine === 'anthropic' ? 60 : 0,
    all_cloud_cost_micros: 60,
    savings_micros: engine === 'anthropic' ? 0 : 60,
    latency_seconds: 0.1,
    ttft_ms: 5,
  };
  return [
    `event: route\ndata: ${JSON.stringify(route)}\n\n`,
    `event: delta\ndata: ${JSON.stringify({ text })}\n\n`,
    `event: summary\ndata: ${JSON.stringify(summary)}\n\n`,
    `event: done\ndata: {"finish_reason":"stop"}\n\n`,
  ].join('');
}

beforeEach(() => {
  calls = [];
  chatId = 0;
  feedback = () => ({ status: 201, json: { stored: true } });
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    calls.push({ method: init?.method ?? 'GET', url, body });
    if (url === '/api/v1/chat') {
      const cloud = String(body?.model).startsWith('claude');
      return new Response(sse(cloud ? 'claude-sonnet' : 'tinyllama', cloud ? 'anthropic' : 'llamacpp', cloud ? 'cloud answer' : 'local'), {
        headers: { 'content-type': 'text/event-stream' },
      });
    }
    const r = url === '/api/v1/feedback' ? feedback() : { status: 404, json: { error: { type: 'not_found', message: 'no' } } };
    return new Response(JSON.stringify(r.json), { status: r.status, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function chatWithLocalAnswer() {
  const hook = renderHook(() => useChatStream(null, false, () => {}));
  await act(() => hook.result.current.send('What is 2 + 2?', 'auto'));
  const answer = hook.result.current.messages[1]!;
  expect(answer).toMatchObject({ role: 'assistant', state: 'done', content: 'local', requestId: 'req-1' });
  return { hook, answer };
}

describe('Retry with Claude (useChatStream)', () => {
  it('asks the same prompt with the Claude model, then records "retry" on the local answer’s request; the new answer says so', async () => {
    const { hook, answer } = await chatWithLocalAnswer();
    await act(() => hook.result.current.retry(answer.key, 'cloud', 'claude-sonnet'));
    const after = calls.slice(1).map((c) => [c.method, c.url, c.body]);
    // The miss is recorded only once Claude has answered: a failed retry must not count against the local model.
    expect(after).toEqual([
      ['POST', '/api/v1/chat', { messages: [{ role: 'user', content: 'What is 2 + 2?' }], model: 'claude-sonnet', stream: true }],
      ['POST', '/api/v1/feedback', { request_id: 'req-1', rating: 'retry' }],
    ]);
    const msgs = hook.result.current.messages;
    expect(msgs).toHaveLength(2);
    expect(msgs[1]).toMatchObject({
      content: 'cloud answer',
      state: 'done',
      requestId: 'req-2',
      routing: { model: 'claude-sonnet', engine: 'anthropic', provider: 'anthropic' },
      retriedFrom: { model: 'tinyllama', recorded: true },
    });
  });

  it('a retry that gets no answer keeps the original answer, says why, and records no miss', async () => {
    const { hook, answer } = await chatWithLocalAnswer();
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      if (url !== '/api/v1/chat') return realFetch(url, init);
      calls.push({ method: 'POST', url, body: JSON.parse(String(init?.body)) as Record<string, unknown> });
      return new Response(JSON.stringify({ error: { type: 'upstream_auth', message: 'Claude refused the API key.' } }), {
        status: 502,
        headers: { 'content-type': 'application/json' },
      });
    });
    await act(() => hook.result.current.retry(answer.key, 'cloud', 'claude-sonnet'));
    const msgs = hook.result.current.messages;
    expect(msgs).toHaveLength(2);
    expect(msgs[1]).toMatchObject({ key: answer.key, content: 'local', state: 'done', requestId: 'req-1' });
    expect(msgs[1]!.versionError).toBe('Retry with Claude failed: Claude refused the API key. This answer is kept.');
    expect(calls.filter((c) => c.url === '/api/v1/feedback')).toEqual([]);
  });

  it('a failed record does not stop the retry: the new answer carries the error', async () => {
    const { hook, answer } = await chatWithLocalAnswer();
    feedback = () => ({ status: 500, json: { error: { type: 'internal', message: 'The ledger is read-only.' } } });
    await act(() => hook.result.current.retry(answer.key, 'cloud', 'claude-sonnet'));
    expect(hook.result.current.messages[1]).toMatchObject({
      content: 'cloud answer',
      retriedFrom: { model: 'tinyllama', recorded: false, error: 'The ledger is read-only.' },
    });
  });

  it('retrying a cloud answer with Claude, or a local one locally, records no verdict', async () => {
    const hook = renderHook(() => useChatStream(null, false, () => {}));
    await act(() => hook.result.current.send('Essay please', 'claude-sonnet'));
    await act(() => hook.result.current.retry(hook.result.current.messages[1]!.key, 'cloud', 'claude-sonnet'));
    await act(() => hook.result.current.retry(hook.result.current.messages[1]!.key, 'local', 'claude-sonnet'));
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/chat', '/api/v1/chat', '/api/v1/chat']);
    expect(hook.result.current.messages[1]!.retriedFrom).toBeUndefined();
  });
});

const localRouting: RoutingInfo = {
  id: 'req-1',
  route: 'small',
  model: 'tinyllama',
  engine: 'llamacpp',
  complexity: 0.1,
  reasons: ['short prompt'],
  fallback_from: [],
};
const done = (over: Partial<UiMessage>): UiMessage => ({
  key: 'a1',
  role: 'assistant',
  content: 'local answer',
  state: 'done',
  routing: localRouting,
  requestId: 'req-1',
  ...over,
});
const ok: RetryAvailability = { cloud: true, local: true };
const noActions = { onRetry: () => {}, onEdit: () => {}, onSwitch: () => {}, onDelete: () => {} };

describe('an answer’s actions (MessageList)', () => {
  it('a finished local answer has thumbs and a Retry with Claude that says it counts as a miss', () => {
    const onRetry = vi.fn();
    render(
      <MessageList
        messages={[{ key: 'q', role: 'user', content: 'hi', state: 'done' }, done({})]}
        retry={ok}
        actions={{ onRetry, onEdit: () => {}, onSwitch: () => {}, onDelete: () => {} }}
        busy={false}
      />,
    );
    expect(screen.getByRole('button', { name: 'Thumbs up' })).toBeTruthy();
    const retry = screen.getByRole('button', { name: 'Retry with Claude' }) as HTMLButtonElement;
    expect(retry.disabled).toBe(false);
    expect(retry.title).toMatch(/this local answer was a miss/);
    fireEvent.click(retry);
    expect(onRetry).toHaveBeenCalledWith('a1', 'cloud');
  });

  it('without a Claude key Retry with Claude is disabled and its title says why', () => {
    render(
      <MessageList
        messages={[done({})]}
        retry={{ cloud: false, local: true, cloudWhyNot: 'Claude is unavailable: no Claude key' }}
        actions={noActions}
        busy={false}
      />,
    );
    const retry = screen.getByRole('button', { name: 'Retry with Claude' }) as HTMLButtonElement;
    expect(retry.disabled).toBe(true);
    expect(retry.title).toBe('Claude is unavailable: no Claude key');
  });

  it('no thumbs while streaming, on an error, or without a request id', () => {
    render(
      <MessageList
        messages={[
          done({ key: 's', state: 'streaming' }),
          done({ key: 'e', state: 'error', content: '', error: { type: 'internal', message: 'boom' } }),
          done({ key: 'n', requestId: undefined }),
        ]}
        retry={ok}
        actions={noActions}
        busy={false}
      />,
    );
    expect(screen.queryByRole('button', { name: 'Thumbs up' })).toBeNull();
  });

  it('the answer that replaced a retried one says the miss was recorded, or why not', async () => {
    const { rerender } = render(
      <MessageList
        messages={[
          done({
            routing: { ...localRouting, engine: 'anthropic', provider: 'anthropic' },
            retriedFrom: { model: 'tinyllama', recorded: true },
          }),
        ]}
        retry={ok}
        actions={noActions}
        busy={false}
      />,
    );
    expect(screen.getByTestId('retry-note').textContent).toBe(
      'Asked Claude again: tinyllama’s answer was recorded as a miss for the router.',
    );
    rerender(
      <MessageList
        messages={[done({ retriedFrom: { model: 'tinyllama', recorded: false, error: 'Cannot reach the Hybrid AI server.' } })]}
        retry={ok}
        actions={noActions}
        busy={false}
      />,
    );
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toMatch(/was not recorded as a miss: Cannot reach the Hybrid AI server\./),
    );
  });

  it('a 403 says what refused the cloud, from the typed kind: the privacy guard is not "local-only mode"', () => {
    const refused = (message: string, kind: ErrorKind) =>
      done({ key: message, state: 'error', content: '', routing: undefined, error: { type: 'forbidden', message, kind } });
    render(
      <MessageList
        messages={[
          refused(
            'Model "claude-sonnet" is a cloud model and the cloud is unavailable: privacy guard: the conversation contains what looks like a password → kept on this machine.',
            'privacy',
          ),
          refused('Model "claude-sonnet" is a cloud model and the cloud is unavailable: local-only mode is on.', 'local-only'),
          // The words do not decide: a refusal whose message reads otherwise still gets its kind's hint.
          refused('Model "claude-sonnet" may not be used now.', 'privacy'),
          refused('Model "claude-sonnet" is refused: the privacy guard has nothing to do with it.', 'request-local'),
        ]}
        retry={ok}
        actions={noActions}
        busy={false}
      />,
    );
    const [privacy, localOnly, reworded, requestLocal] = screen.getAllByTestId('answer-error').map((e) => e.textContent ?? '');
    expect(privacy).toMatch(/holds private data, so it stays on this computer\. Edit or delete that message/);
    expect(privacy).not.toMatch(/Local-only mode is on/);
    expect(localOnly).toMatch(/Local-only mode is on: turn it off in Settings/);
    expect(reworded).toMatch(/holds private data, so it stays on this computer/);
    expect(requestLocal).not.toMatch(/holds private data|Local-only mode is on/);
  });
});
