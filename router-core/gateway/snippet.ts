// Search snippets: the words around a search hit in a message, on one line, so a result shows why it matched.

/**
 * Characters kept either side of the hit. why 60: with the hit itself this fits two lines of the 260 px sidebar
 * (about 40 characters a line at 13 px), enough context to recognise the message without opening it.
 */
export const SNIPPET_RADIUS = 60;

/**
 * The text around the first case-insensitive occurrence of `query` in `text`, whitespace collapsed, cut at word
 * boundaries where possible, with "…" where it was cut; undefined when `query` does not occur.
 */
export function snippetAround(text: string, query: string, radius = SNIPPET_RADIUS): string | undefined {
  const flat = text.replace(/\s+/g, ' ').trim();
  const q = query.replace(/\s+/g, ' ').trim();
  if (q === '') return undefined;
  const at = flat.toLowerCase().indexOf(q.toLowerCase());
  if (at < 0) return undefined;
  let start = Math.max(0, at - radius);
  let end = Math.min(flat.length, at + q.length + radius);
  // Move the cuts to the nearest space inside the window, so no word is cut in half (unless the window holds none).
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    if (space !== -1 && space < at) start = space + 1;
  }
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space >= at + q.length) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
