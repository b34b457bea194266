// What the privacy guard did to a conversation, read from the answers' routing reasons (the core says it in words).
import type { RoutingInfo } from '../../api/types';
import type { UiMessage } from './useChatStream';

/** How the core's privacy guard starts its reason (router-core/routing/privacy.ts PRIVACY_REASON_PREFIX). */
const PRIVACY_PREFIX = 'privacy guard:';

/** What the guard found, in its words ("a password", "an API key or access token and a password"); null = not kept local by it. */
export function privacyFinding(routing: RoutingInfo | undefined): string | null {
  const reason = routing?.reasons.find((r) => r.startsWith(PRIVACY_PREFIX));
  if (!reason) return null;
  return /contains what looks like (.+?) →/.exec(reason)?.[1] ?? 'private data';
}

/** The first answer on screen the guard kept on this computer, and what its conversation held; null when none. */
export function firstPrivateTurn(messages: readonly UiMessage[]): { index: number; what: string } | null {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const what = m.role === 'assistant' ? privacyFinding(m.routing) : null;
    if (what) return { index: i, what };
  }
  return null;
}

/**
 * Why Claude cannot be asked in this conversation (from its first kept-local answer on): the whole conversation goes
 * with every request, so the cloud would receive the earlier message too. The core refuses such a request (403); the
 * app says so before it is sent, and how to get out of it.
 */
export function privateCloudReason(what: string): string {
  return `Kept on this computer: this chat contains ${what}. Edit or delete that message, or start a new chat, to use Claude.`;
}
