// Replaced by the page's implementation (in progress).

export function TenantPage() {
  return (
    <div className="page">
      <h1>TenantPage</h1>
    </div>
  );
}
