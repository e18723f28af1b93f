// Replaced by the page's implementation (in progress).

export function UsersPage() {
  return (
    <div className="page">
      <h1>UsersPage</h1>
    </div>
  );
}
