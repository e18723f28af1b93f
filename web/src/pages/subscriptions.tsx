// Replaced by the page's implementation (in progress).

export function SubscriptionsPage() {
  return (
    <div className="page">
      <h1>SubscriptionsPage</h1>
    </div>
  );
}
