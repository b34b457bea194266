// Turn classification for conversation-aware routing: acknowledgements, follow-ups, self-contained new requests.
import { describe, expect, it } from 'vitest';
import { classifyTurn, estimateConversation, isConfident } from './conversation.js';
import { defaultThresholds, type ComplexityEstimate } from './complexity.js';
import { estimateLearned } from './learned.js';

const kind = (text: string) => classifyTurn(text, isConfident(estimateLearned(text), defaultThresholds));

describe('classifyTurn', () => {
  it('acknowledgements: thanks, ok, greetings, with filler words', () => {
    for (const t of ['thanks!', 'ok', 'Thank you so much.', 'hello again', 'thanks for the help', 'great, thanks', 'bye'])
      expect([t, kind(t)]).toEqual([t, 'acknowledgement']);
  });

  it('follow-ups: continuation cues, bare questions, back-references, short turns the estimator is unsure of', () => {
    for (const t of [
      'now add tests',
      'why?',
      'make it faster',
      'thanks, now add tests',
      'ok now do the same in Rust',
      'Is this correct for negative inputs?',
      'what about Go?',
      'Explain the time complexity',
    ])
      expect([t, kind(t)]).toEqual([t, 'follow-up']);
  });

  it('new requests: self-contained, no cue, no back-reference (or short and scored confidently alone)', () => {
    for (const t of [
      'Write a function that reverses a linked list in place',
      'Tell me about the history of the printing press',
      'What is the capital of France?',
      'Write a haiku about autumn leaves falling on a quiet pond.',
    ])
      expect([t, kind(t)]).toEqual([t, 'new-topic']);
  });
});

describe('estimateConversation', () => {
  // A stub estimator: the score is the number in the text, so the decay and the scan are visible.
  const stub = (text: string): ComplexityEstimate => {
    const score = Number(/(\d\.\d+)/.exec(text)?.[1] ?? 0.1);
    return { score, level: score >= 0.6 ? 'cloud' : score >= 0.3 ? 'medium' : 'small', reasons: [] };
  };
  const msgs = (...users: string[]) => users.map((content) => ({ role: 'user' as const, content }));
  let n = 0;
  const run = (...users: string[]) => estimateConversation(msgs(...users), stub, defaultThresholds, `stub-${n++}`);

  it('a follow-up inherits the hardest turn of its task, less 0.05 a turn of distance', () => {
    const e = run('Design and prove a lock-free queue, level 0.8 please', 'and?', 'why?', 'more?');
    expect(e).toMatchObject({ kind: 'follow-up', score: 0.7, level: 'cloud' });
    expect(e.reasons[0]).toBe('follow-up of a cloud-grade task (3 turns back, complexity 0.70 after a decay of 0.05 a turn): cloud band');
  });

  it('the scan stops at the turn that opened the task: an older, harder task does not leak into a new one', () => {
    const e = run(
      'Design and prove a lock-free queue, level 0.9 please',
      'Write a limerick about my cat named Tom, level 0.2 thanks',
      'why?',
    );
    expect(e).toMatchObject({ kind: 'follow-up', score: 0.2, level: 'small' });
  });

  it('never lowers the turn: a follow-up harder than its task keeps its own score', () => {
    const e = run('Write a limerick about my cat named Tom, level 0.2 thanks', 'and now prove it is optimal, 0.7');
    expect(e).toMatchObject({ kind: 'follow-up', score: 0.7 });
  });
});
