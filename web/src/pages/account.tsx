// Replaced by the page's implementation (in progress).

export function AccountPage() {
  return (
    <div className="page">
      <h1>AccountPage</h1>
    </div>
  );
}
