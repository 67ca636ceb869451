// The one way a screen says something went wrong (role=alert) or is on its way.
export function Problem({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <p role="alert" className="notice notice-problem">
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="notice">
      Loading {what}…
    </p>
  );
}

/** What is wrong with the form or field just above, said once, in the shop's words. */
export function FieldProblem({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <p role="alert" className="field-problem">
      {text}
    </p>
  );
}
