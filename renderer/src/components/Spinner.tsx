// Small indeterminate spinner with an accessible name.

/** `label` is read by screen readers ("Loading models"). */
export function Spinner({ label = 'Loading' }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label} />;
}
