// Loading data for a page: the latest request wins (a slower, older answer never overwrites a newer
// one), and a page that unmounts ignores what arrives after.
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` (plain values: filters, cursors) change. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  // The caller names what the load depends on (filters, a cursor: plain values), compared by content.
  const key = JSON.stringify(deps);
  // `settledKey`: the deps the current data (or error) answers. Until the load for new deps has
  // settled, the hook says it is loading, from the very render in which the deps changed (the
  // previous data stays on screen meanwhile, without flicker).
  const [state, setState] = useState<{
    data: T | undefined;
    error: unknown;
    running: boolean;
    settledKey?: string;
  }>({
    data: undefined,
    error: undefined,
    running: true,
  });
  const generation = useRef(0);
  const latest = useRef({ load, key });
  latest.current = { load, key };
  const run = useCallback(() => {
    const mine = ++generation.current;
    const { load: current, key: settledKey } = latest.current;
    setState((previous) => ({ ...previous, running: true }));
    current().then(
      (data) => {
        if (mine === generation.current) setState({ data, error: undefined, running: false, settledKey });
      },
      (error: unknown) => {
        if (mine === generation.current)
          setState((previous) => ({ data: previous.data, error, running: false, settledKey }));
      },
    );
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for deps.
  useEffect(() => {
    run();
    return () => {
      generation.current += 1;
    };
  }, [key, run]);
  return {
    data: state.data,
    error: state.error,
    loading: state.running || state.settledKey !== key,
    reload: run,
  };
}

export interface PageOf<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Paged<T> extends Loaded<PageOf<T>> {
  /** 1 on the first page. */
  pageNumber: number;
  hasNext: boolean;
  hasPrevious: boolean;
  next: () => void;
  previous: () => void;
  first: () => void;
}

/**
 * A cursor-paginated list (`{items, next_cursor}`): forward by the API's cursor, back by the
 * cursors already seen. Changing `deps` (filters) starts again at the first page.
 */
export function usePaged<T>(
  loadPage: (cursor: string | undefined) => Promise<PageOf<T>>,
  deps: readonly unknown[],
): Paged<T> {
  // The cursors seen, for the filters they were seen with: new filters start at the first page.
  const key = JSON.stringify(deps);
  const [stack, setStack] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key,
    cursors: [undefined],
  });
  const cursors = stack.key === key ? stack.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad(() => loadPage(cursor), [cursor, ...deps]);
  const nextCursor = loaded.data?.next_cursor ?? null;
  return {
    ...loaded,
    pageNumber: cursors.length,
    hasNext: nextCursor !== null && !loaded.loading,
    hasPrevious: cursors.length > 1,
    next: () => {
      if (nextCursor !== null) setStack({ key, cursors: [...cursors, nextCursor] });
    },
    previous: () => setStack({ key, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
    first: () => setStack({ key, cursors: [undefined] }),
  };
}
