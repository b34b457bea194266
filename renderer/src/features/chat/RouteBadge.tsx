// The badge under each answer: model and engine, complexity and why, tokens, cost, the all-Claude cost, latency; cached or escalated.
import type { AnswerSummary, RoutingInfo } from '../../api/types';
import { Icon } from '../../components/Icon';
import { formatDuration, formatMoney, formatScore, formatTokens } from '../../lib/format';

const engineNames: Record<string, string> = {
  llamacpp: 'llama.cpp (embedded)',
  ollama: 'Ollama',
  anthropic: 'Anthropic',
  'openai-compat': 'OpenAI-compatible server',
  openai: 'OpenAI',
  gemini: 'Google Gemini',
  'cloud-compat': 'OpenAI-compatible cloud',
};

/** How the badge names the cloud that answered. */
const providerNames: Record<NonNullable<RoutingInfo['provider']>, string> = {
  anthropic: 'Claude',
  openai: 'OpenAI',
  gemini: 'Gemini',
  compat: 'the OpenAI-compatible cloud',
};

/** The cloud that answered, in words ("Claude", "OpenAI"); null for a local answer (the core names no provider). */
export function providerName(routing: RoutingInfo): string | null {
  return routing.provider ? providerNames[routing.provider] : null;
}

/** Human name of an engine id. */
export function engineName(id: string): string {
  return engineNames[id] ?? id;
}

/**
 * The badge's first line in plain words: where the answer came from and what it cost or saved
 * ("Answered free on this computer · saved $0.0077 vs Claude"); the technical row follows.
 */
export function plainSummary(routing: RoutingInfo, summary: AnswerSummary | undefined, ended?: 'stopped' | 'error'): string {
  const provider = providerName(routing);
  const cloud = provider !== null && !routing.cached;
  if (!summary && ended) {
    // An answer that ended without its summary (Stop, Esc, a cut stream) is no longer answering: say where it ended.
    const where = cloud ? `with ${provider}` : routing.cached ? 'from the cache' : 'on this computer';
    return ended === 'stopped' ? `Stopped ${where} before the end` : `Broke off ${where}`;
  }
  if (!summary) return cloud ? `Answering with ${provider}…` : routing.cached ? 'Answering from the cache…' : 'Answering on this computer…';
  if (routing.cached) return `Answered free from the cache · saved ${formatMoney(summary.savings_micros)} vs Claude`;
  if (cloud) return `Answered by ${provider} · ${formatMoney(summary.cost_micros)}`;
  return `Answered free on this computer · saved ${formatMoney(summary.savings_micros)} vs Claude`;
}

/** `summary` is absent while the answer streams; the row keeps its height so nothing jumps when it arrives. */
export function RouteBadge({
  routing,
  summary,
  streaming,
  ended,
  privatePill,
}: {
  routing: RoutingInfo;
  summary?: AnswerSummary;
  streaming?: boolean;
  /** The answer was stopped or broke off (no summary may follow): the plain line says so instead of "Answering…". */
  ended?: 'stopped' | 'error';
  /** The privacy guard kept this answer local: what the pill says ("kept on this computer: contained a password"). */
  privatePill?: string;
}) {
  const cloud = routing.provider !== undefined;
  const fellBack = routing.fallback_from.length > 0;
  const tokens = summary ? summary.usage.input_tokens + summary.usage.output_tokens : null;
  return (
    <div className="badge" data-testid="route-badge">
      <p className="badge-plain" data-testid="badge-plain">
        {plainSummary(routing, summary, ended)}
      </p>
      <div className="badge-row">
        <span className={`route-pill route-${routing.route}`} title={`Route: ${routing.route}`}>
          {routing.route}
        </span>
        {routing.cached && (
          <span
            className="flag-pill flag-cached"
            data-testid="badge-cached"
            title="Served from the response cache: no model ran, nothing was charged"
          >
            cached
          </span>
        )}
        {privatePill && (
          <span className="flag-pill flag-private" data-testid="badge-private" title="The privacy guard kept this on this computer">
            <Icon name="lock" size={11} /> {privatePill}
          </span>
        )}
        {routing.escalated && (
          <span className="flag-pill flag-escalated" title={`${routing.escalated.from}'s answer looked weak: ${routing.escalated.reason}`}>
            escalated
          </span>
        )}
        <span className="badge-model" data-testid="badge-model">
          {routing.model}
        </span>
        <span className="badge-sep" aria-hidden="true">
          ·
        </span>
        <span>{engineName(routing.engine)}</span>
        <span className="badge-sep" aria-hidden="true">
          ·
        </span>
        <span title="Complexity score: 0 = trivial, 1 = hardest">complexity {formatScore(routing.complexity)}</span>
        {summary ? (
          <>
            <span className="badge-sep" aria-hidden="true">
              ·
            </span>
            <span title={`${summary.usage.input_tokens} in, ${summary.usage.output_tokens} out`}>{formatTokens(tokens ?? 0)} tokens</span>
            <span className="badge-sep" aria-hidden="true">
              ·
            </span>
            <span data-testid="badge-cost" className={cloud && !routing.cached ? 'badge-cost-cloud' : 'badge-cost-free'}>
              {formatMoney(summary.cost_micros)}
            </span>
            {routing.cached && (
              <>
                <span className="badge-sep" aria-hidden="true">
                  ·
                </span>
                <span data-testid="badge-cache-saved" title="A cached answer costs nothing: this is what Claude would have charged for it">
                  free from the cache, saved {formatMoney(summary.savings_micros)} vs Claude
                </span>
              </>
            )}
            <span className="badge-sep" aria-hidden="true">
              ·
            </span>
            <span data-testid="badge-all-cloud" title="What this answer would have cost if it had been sent to Claude">
              on Claude {formatMoney(summary.all_cloud_cost_micros)}
            </span>
            <span className="badge-sep" aria-hidden="true">
              ·
            </span>
            <span title={summary.ttft_ms !== null ? `first token after ${formatDuration(summary.ttft_ms)}` : undefined}>
              {formatDuration(summary.latency_seconds * 1000)}
            </span>
          </>
        ) : (
          streaming && <span className="badge-streaming">answering…</span>
        )}
      </div>
      {routing.escalated && (
        <div className="badge-escalated" data-testid="badge-escalated">
          Escalated from {routing.escalated.from}: its answer looked weak ({routing.escalated.reason}), so {routing.model} answered instead.
        </div>
      )}
      {fellBack && (
        <div className="badge-fallback" data-testid="badge-fallback">
          Fell back: {routing.fallback_from.join('; ')}
        </div>
      )}
      <details className="badge-why">
        <summary>Why this model?</summary>
        <ul>
          {routing.reasons.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      </details>
    </div>
  );
}
