// Replaced by the page's implementation (in progress).

export function AuditLogPage() {
  return (
    <div className="page">
      <h1>AuditLogPage</h1>
    </div>
  );
}
