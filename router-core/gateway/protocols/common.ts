// What every protocol adapter checks and maps the same way: a turn to answer, tools and tool_choice, unknown models,
// finish reasons. Each protocol keeps only its wire names; the rule and the refusal's words live here once.
import { z } from 'zod';
import type { ChatMessage, ToolSpec } from '../../contracts/chat.js';
import type { FinishReason } from '../../contracts/stream.js';
import { CoreError } from '../../errors.js';

/**
 * Refuse a conversation with nothing to answer: at least one user message with text, or a tool result (a tool result
 * ends a turn as a user message does: the model answers what the tool said).
 */
export function requireUserTurn(messages: readonly ChatMessage[]): void {
  if (!messages.some((m) => (m.role === 'user' && m.content.trim() !== '') || m.role === 'tool')) {
    throw new CoreError('invalid_request', 'Invalid "messages": at least one user message with non-empty content is required.', {
      details: { param: 'messages' },
    });
  }
}

/** The parameters of a tool declared without any: an object with no properties. */
export const NO_PARAMETERS: Readonly<Record<string, unknown>> = { type: 'object', properties: {} };

/** A function tool as OpenAI and Ollama declare it → our ToolSpec (no parameters = an empty object schema). */
export function fromFunctionTool(t: {
  function: { name: string; description?: string | null; parameters?: Record<string, unknown> | null };
}): ToolSpec {
  return {
    name: t.function.name,
    description: t.function.description ?? undefined,
    parameters: t.function.parameters ?? { ...NO_PARAMETERS },
  };
}

/**
 * Refuse a tool choice naming a tool the request does not offer, naming the valid ones. `param` is the field as the
 * protocol calls it; `noun` what the protocol calls a tool ("tool", "function").
 */
export function requireOfferedTool(
  name: string,
  tools: readonly ToolSpec[] | undefined,
  param: string,
  noun = 'tool',
  details?: { param: string },
): void {
  if (tools?.some((t) => t.name === name)) return;
  throw new CoreError(
    'invalid_request',
    `Invalid "${param}": no ${noun} named "${name}" in "tools" (${tools?.map((t) => t.name).join(', ') || 'none given'}).`,
    details ? { details } : undefined,
  );
}

/**
 * The 404 for a model nobody here serves, naming the valid ones: `valid` goes in the details (Ollama's error shape is
 * built from them), `shown` in the message (default the same); `label` says which list it is ("local models").
 */
export function unknownModel(name: string, valid: readonly string[], o: { shown?: readonly string[]; label?: string } = {}): CoreError {
  return new CoreError('not_found', `Unknown model "${name}". Valid ${o.label ?? 'models'}: ${(o.shown ?? valid).join(', ')}.`, {
    details: { param: 'model', value: name, valid: [...valid] },
  });
}

/** A protocol's names for our finish reasons: one table per protocol, every reason mapped (the compiler checks). */
export type FinishReasonTable<T extends string> = Readonly<Record<FinishReason, T>>;

/** The wire name of `reason` in `table`. */
export const wireFinishReason = <T extends string>(table: FinishReasonTable<T>, reason: FinishReason): T => table[reason];

/** Why a top_p is refused, in every protocol's words: the valid range, both ends included. */
const TOP_P_RANGE = 'must be a number from 0 to 1 (0 keeps only the most likely token)';

/**
 * top_p as OpenAI (chat, completions, Responses), Ollama and Anthropic document it: 0 ≤ top_p ≤ 1. 0 is legal and
 * asks for the most likely token only (greedy decoding; see router-core/sampling.ts); clients send it for determinism.
 */
export const topPSchema = z.number().min(0, TOP_P_RANGE).max(1, TOP_P_RANGE);
