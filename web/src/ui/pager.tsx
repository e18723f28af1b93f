import type { Paged } from './data.ts';

/** "Previous" and "Next" for a cursor-paginated list, with the page number (and its loading) announced. */
export function Pager<T>(props: { paged: Paged<T>; label: string }) {
  const { paged, label } = props;
  if (!paged.hasPrevious && !paged.hasNext) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button
        type="button"
        className="button-secondary"
        onClick={paged.previous}
        disabled={!paged.hasPrevious}
      >
        Previous
      </button>
      {/* The rows on screen are the last page's until the next one arrives: say so meanwhile. */}
      <span aria-live="polite">
        {paged.loading ? `Page ${paged.pageNumber} (loading…)` : `Page ${paged.pageNumber}`}
      </span>
      <button type="button" className="button-secondary" onClick={paged.next} disabled={!paged.hasNext}>
        Next
      </button>
    </nav>
  );
}
