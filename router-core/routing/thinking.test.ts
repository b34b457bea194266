// withThinkingOff: "/no_think" lands in the system turn exactly once, the rest of the conversation untouched.
import { describe, expect, it } from 'vitest';
import { NO_THINK, withThinkingOff } from './thinking.js';

describe('withThinkingOff', () => {
  it('adds a system turn with the switch when there is none', () => {
    expect(withThinkingOff([{ role: 'user', content: 'hi' }])).toEqual([
      { role: 'system', content: NO_THINK },
      { role: 'user', content: 'hi' },
    ]);
  });

  it("appends the switch to the caller's system turn, once", () => {
    const msgs = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'hi' },
    ];
    const once = withThinkingOff(msgs);
    expect(once).toEqual([
      { role: 'system', content: 'Be brief.\n/no_think' },
      { role: 'user', content: 'hi' },
    ]);
    expect(withThinkingOff(once)).toEqual(once);
    expect(msgs[0]!.content).toBe('Be brief.');
  });
});
