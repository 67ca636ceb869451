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
