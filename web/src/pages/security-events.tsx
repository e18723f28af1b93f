// Replaced by the page's implementation (in progress).

export function SecurityEventsPage() {
  return (
    <div className="page">
      <h1>SecurityEventsPage</h1>
    </div>
  );
}
