// Replaced by the page's implementation (in progress).

export function BlockedIpsPage() {
  return (
    <div className="page">
      <h1>BlockedIpsPage</h1>
    </div>
  );
}
