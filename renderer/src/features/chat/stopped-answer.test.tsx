// @vitest-environment jsdom
// A stopped answer no longer says "Answering…": its badge says where it stopped, and takes the stored summary once synced.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnswerSummary, MessageDto, RoutingInfo } from '../../api/types';
import { MessageList } from './MessageList';
import { mergeServerIds, type UiMessage } from './useChatStream';

afterEach(cleanup);

const routing: RoutingInfo = {
  route: 'medium',
  model: 'slow',
  engine: 'llamacpp',
  complexity: 0.42,
  reasons: ['complexity 0.42'],
  fallback_from: [],
};
const summary: AnswerSummary = {
  usage: { input_tokens: 10, output_tokens: 515 },
  cost_micros: 0,
  all_cloud_cost_micros: 7_500,
  savings_micros: 7_500,
  latency_seconds: 3.5,
  ttft_ms: 40,
};

const question: UiMessage = { key: 'q', role: 'user', content: 'write a long story', state: 'done', requestId: 'req-1' };
const stopped = (over: Partial<UiMessage> = {}): UiMessage => ({
  key: 'a',
  role: 'assistant',
  content: 'once upon a time',
  state: 'stopped',
  routing,
  requestId: 'req-1',
  ...over,
});

function list(messages: UiMessage[]) {
  return render(
    <MessageList
      messages={messages}
      retry={{ cloud: true, local: true }}
      actions={{ onRetry: () => {}, onEdit: () => {}, onSwitch: () => {}, onDelete: () => {} }}
      busy={false}
    />,
  );
}

describe('a stopped answer', () => {
  it('says it stopped, not that it is still answering', () => {
    list([question, stopped()]);
    const plain = screen.getByTestId('badge-plain').textContent ?? '';
    expect(plain).not.toContain('Answering');
    expect(plain).toBe('Stopped on this computer before the end');
    cleanup();
    const cloud: RoutingInfo = { ...routing, route: 'cloud', model: 'claude-sonnet', engine: 'anthropic', provider: 'anthropic' };
    list([question, stopped({ routing: cloud })]);
    expect(screen.getByTestId('badge-plain').textContent).toBe('Stopped with Claude before the end');
    cleanup();
    list([question, stopped({ state: 'error', error: { type: 'network', message: 'The answer ended without finishing.' } })]);
    expect(screen.getByTestId('badge-plain').textContent).toBe('Broke off on this computer');
  });

  it('takes the tokens, cost and time the server stored for it, as a reload shows them', () => {
    const dto = (id: string, role: 'user' | 'assistant', content: string, over: Partial<MessageDto> = {}): MessageDto => ({
      id,
      role,
      content,
      created_at: 1,
      request_id: 'req-1',
      status: 'ok',
      error_type: null,
      routing: null,
      summary: null,
      rating: null,
      retried_from: null,
      ...over,
    });
    const merged = mergeServerIds(
      [question, stopped()],
      [
        dto('s-q', 'user', 'write a long story'),
        dto('s-a', 'assistant', 'once upon a time there', { status: 'aborted', routing, summary }),
      ],
    );
    expect(merged[1]).toMatchObject({ serverId: 's-a', state: 'stopped', summary });
    list(merged);
    expect(screen.getByTestId('badge-plain').textContent).toBe('Answered free on this computer · saved $0.0075 vs Claude');
    expect(screen.getByTestId('route-badge').textContent).toContain('525 tokens');
  });
});

describe('a prompt whose answer the server did not keep', () => {
  it('says so after a reload, instead of showing the prompt as if it were waiting or answered', () => {
    // What a reload shows when the page was reloaded (or the answer stopped) before its first word: the prompt alone.
    const lone: UiMessage = { key: 'q2', role: 'user', content: 'hello world long story', state: 'done' };
    list([question, stopped(), lone]);
    const notes = screen.getAllByTestId('unanswered');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.closest('article')?.textContent).toContain('hello world long story');
    expect(notes[0]!.textContent).toContain('No answer is kept');
    cleanup();
    // A prompt with its answer (streaming or not) has no such note.
    list([question, stopped({ state: 'streaming', content: '' })]);
    expect(screen.queryByTestId('unanswered')).toBeNull();
  });
});
