import { Link, usePageTitle } from '../router.tsx';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is no such page in the console. <Link to="/bots">Go to your bots</Link>.
      </p>
    </div>
  );
}
