// Thumbs up / down under an answer: the person's verdict goes to the feedback API (the tuner's evidence).
import { useState } from 'react';
import { sendFeedback } from '../../api/feedback';
import { Icon } from '../../components/Icon';

/** A thumb: what it sends and how it is named and explained. */
const thumbs = [
  { rating: 'up', icon: 'thumbUp', label: 'Thumbs up', hint: 'Good answer: the right model for this prompt' },
  { rating: 'down', icon: 'thumbDown', label: 'Thumbs down', hint: 'Bad answer: counts as a miss for this route when tuning' },
] as const;

export type Thumb = (typeof thumbs)[number]['rating'];

/*
 * One answer's verdict:
 *
 *   none ──click──► saving ──ok────► up | down ──click the other──► saving ──► down | up
 *                     │                 │
 *                     └──error──► (previous verdict kept, error shown)
 *                                       └──click the same──► unchanged (the API keeps one verdict and has no "clear")
 */

/**
 * Thumbs for the answer of `requestId`. The pressed thumb is the verdict the server has stored; the other thumb
 * replaces it; the pressed one again keeps it (no request). A failed save keeps the previous verdict and says why.
 */
export function FeedbackButtons({ requestId, initial = null }: { requestId: string; initial?: Thumb | null }) {
  const [rating, setRating] = useState<Thumb | null>(initial);
  const [saving, setSaving] = useState<Thumb | null>(null);
  const [error, setError] = useState<string | null>(null);

  const choose = async (r: Thumb): Promise<void> => {
    if (saving !== null || r === rating) return;
    setSaving(r);
    setError(null);
    try {
      await sendFeedback(requestId, r);
      setRating(r);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(null);
    }
  };

  return (
    <div className="feedback" role="group" aria-label="Rate this answer" aria-busy={saving !== null}>
      {thumbs.map((t) => (
        <button
          key={t.rating}
          type="button"
          className="thumb-btn"
          aria-label={t.label}
          aria-pressed={rating === t.rating}
          data-saving={saving === t.rating || undefined}
          title={rating === t.rating ? `${t.hint} (your verdict)` : t.hint}
          onClick={() => void choose(t.rating)}
        >
          <Icon name={t.icon} size={14} />
        </button>
      ))}
      <span className="visually-hidden" aria-live="polite">
        {rating === 'up' ? 'Rated a good answer' : rating === 'down' ? 'Rated a bad answer' : ''}
      </span>
      {error && (
        <span className="feedback-error" role="alert" data-testid="feedback-error">
          Your rating was not saved: {error}
        </span>
      )}
    </div>
  );
}
