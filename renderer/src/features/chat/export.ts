// Export a conversation as it is on screen (the versions shown), as Markdown to read or JSON to process.
import { formatMoney } from '../../lib/format';
import { engineName } from './RouteBadge';
import type { UiMessage } from './useChatStream';

/** A file name from the title: letters, digits and dashes, never empty. */
export function exportFileName(title: string, ext: 'md' | 'json'): string {
  const base = title
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 60);
  return `${base || 'conversation'}.${ext}`;
}

/** One answer's line of who answered and what it cost, as the badge says it. */
function answerLine(m: UiMessage): string {
  if (!m.routing) return 'Answer';
  const parts = [`${m.routing.model} (${engineName(m.routing.engine)}, ${m.routing.route})`];
  if (m.summary) parts.push(formatMoney(m.summary.cost_micros), `on Claude ${formatMoney(m.summary.all_cloud_cost_micros)}`);
  return `Answer · ${parts.join(' · ')}`;
}

/** The conversation as Markdown: a heading per turn, answers with their model and cost. */
export function toMarkdown(title: string, messages: readonly UiMessage[], now: Date): string {
  const out = [`# ${title}`, '', `_Exported from Hybrid AI on ${now.toISOString().slice(0, 10)}._`, ''];
  for (const m of messages) {
    out.push(
      m.role === 'user' ? '## You' : `## ${answerLine(m)}`,
      '',
      m.content || (m.error ? `_(no answer: ${m.error.message})_` : '_(empty)_'),
      '',
    );
  }
  return out.join('\n');
}

/** The conversation as JSON: every message with its route, model, engine, tokens and cost (micro-dollars). */
export function toJson(title: string, conversationId: string | null, messages: readonly UiMessage[], now: Date): string {
  return JSON.stringify(
    {
      title,
      conversation_id: conversationId,
      exported_at: now.toISOString(),
      messages: messages.map((m) => ({
        id: m.serverId ?? null,
        role: m.role,
        content: m.content,
        request_id: m.requestId ?? null,
        ...(m.routing ? { routing: { route: m.routing.route, model: m.routing.model, engine: m.routing.engine } } : {}),
        ...(m.summary
          ? { usage: m.summary.usage, cost_micros: m.summary.cost_micros, all_cloud_cost_micros: m.summary.all_cloud_cost_micros }
          : {}),
        ...(m.versions && m.versions.count > 1 ? { version: { index: m.versions.index, count: m.versions.count } } : {}),
      })),
    },
    null,
    2,
  );
}

/** Hand a text file to the browser's download (no server round trip: the text is already on screen). */
export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
