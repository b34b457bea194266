// Thinking off for routed answers: the documented "/no_think" switch of hybrid-thinking models (Qwen3, SmolLM3).
import type { ChatMessage } from '../contracts/chat.js';

/**
 * The soft switch Qwen3 and SmolLM3 document for their system turn: the model answers directly instead of writing a
 * `<think>` block first. A routed answer is sent because a small model is enough; minutes of hidden reasoning on a
 * CPU would defeat that.
 */
export const NO_THINK = '/no_think';

/** The conversation with thinking switched off: `/no_think` appended to the system turn (one is added if none). */
export function withThinkingOff(messages: readonly ChatMessage[]): ChatMessage[] {
  const i = messages.findIndex((m) => m.role === 'system');
  if (i === -1) return [{ role: 'system', content: NO_THINK }, ...messages];
  if (messages[i]!.content.includes(NO_THINK)) return [...messages];
  return messages.map((m, j) => (j === i ? { ...m, content: `${m.content}\n${NO_THINK}` } : m));
}
