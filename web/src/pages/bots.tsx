// Replaced by the page's implementation (in progress).

export function BotsPage() {
  return (
    <div className="page">
      <h1>BotsPage</h1>
    </div>
  );
}

export function BotNewPage() {
  return (
    <div className="page">
      <h1>BotNewPage</h1>
    </div>
  );
}

export function BotDetailPage(props: { id: string }) {
  return (
    <div className="page">
      <h1>BotDetailPage {props.id}</h1>
    </div>
  );
}
