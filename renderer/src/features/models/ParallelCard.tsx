// Models screen card: how many answers each local model gives at once, what its parallel sequences cost in memory, and what waits.
import type { ParallelDto } from '../../api/types';
import { formatBytes } from '../../lib/format';

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The `parallel` part of GET /api/v1/system, in words. */
export function ParallelCard({ p }: { p: ParallelDto }) {
  return (
    <section className="card" aria-labelledby="parallel-title" data-testid="parallel-card">
      <h2 id="parallel-title" className="card-title">
        Answers at once
      </h2>
      <p className="muted small">
        Each local model answers up to {plural(p.sequences, 'request')} at once ({p.sequences_from}), decoded together; up to{' '}
        {plural(p.queue_limit, 'more request')} wait{p.queue_limit === 1 ? 's' : ''} per model, beyond that a request is told to retry
        later.
        {p.running + p.queued > 0 ? ` Now: ${p.running} answering, ${p.queued} waiting.` : ''}
      </p>
      {p.models.length > 0 && (
        <ul className="engine-list">
          {p.models.map((m) => (
            <li key={m.model} className="engine-row" data-testid={`parallel-${m.model}`}>
              <span className="model-name">{m.model}</span>
              <span className="muted small">
                {plural(m.sequences, 'sequence')} × {m.context_size.toLocaleString('en-US')} tokens · {formatBytes(m.bytes_per_sequence)}{' '}
                each, {formatBytes(m.context_bytes)} for the context beside the weights ·{' '}
                {m.flash_attention ? 'flash attention' : 'plain attention'} · {m.busy} answering, {m.queued} waiting
                {m.limited_by ? ` · fewer than the ${m.requested_sequences} asked: ${m.limited_by}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="muted small">
        Ollama: keeps models loaded {p.ollama.keep_alive} after a request
        {p.ollama.num_parallel !== null ? `; started with ${plural(p.ollama.num_parallel, 'request')} per model at once` : ''}.
      </p>
    </section>
  );
}
