// Cloud word limit: a prompt longer than the configured number of words stays on this machine (an exercise guard).

/** Whether a prompt of `text` may go to the cloud under `limit` words (absent = no limit), and why not. */
export function wordLimitGuard(text: string, limit: number | undefined): { mayLeave: true } | { mayLeave: false; reason: string } {
  if (limit === undefined) return { mayLeave: true };
  const words = text.split(/\s+/).filter(Boolean).length;
  return words <= limit
    ? { mayLeave: true }
    : { mayLeave: false, reason: `the prompt has ${words} words, over the cloud limit of ${limit}` };
}
