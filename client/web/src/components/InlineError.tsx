/** A failure said where it happened ("Could not …: why"), announced to screen readers; nothing without one. */
export function InlineError({ what, error }: { what: string; error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p className="error small" role="alert">
      Could not {what}: {error}
    </p>
  );
}
