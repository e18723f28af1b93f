// The flood rule for stored security events (CONTRACT.md, "Security events"): the same event from
// the same source (IP, user) within a minute is stored once, with a count. Refusals are what an
// attacker produces at will — ten thousand forged tokens are ten thousand token_invalid events —
// and storing each would turn every knock into a database write.
//
// How a flood is folded: the first occurrence of an event type from a source is stored at once
// (count 1), so a single refusal is visible immediately, with its request id. Repeats within the
// next minute are only counted; when the minute ends, ONE row stands for them: the last repeat's
// details and request id, `count` = how many repeats, `first_occurred_at` in its details. A source
// that keeps knocking gets one such row per minute; one that stops is forgotten after its last
// minute. Folding into a later row rather than updating the first keeps the table insert-only (the
// runtime role may only SELECT and INSERT it), and the counts of a source's rows sum to its
// occurrences. Listeners (metrics, automated responses, alerts) still see every occurrence.
//
// Memory is bounded whatever the attacker controls: at most MAX_SOURCES sources are tracked; an
// event from yet another source while that many are live is folded into its type's overflow row
// (no IP, user or tenant: for operators), so a flood from a million addresses still costs a few
// rows a minute per event type.
import type { SecurityEventRowInput } from './security-events.repository.ts';

export const FLOOD_WINDOW_MS = 60_000;
export const MAX_SOURCES = 10_000;
const SWEEP_MS = 1_000;

interface Fold {
  windowEnds: number;
  /** Repeats since the window began (the row that began it is stored already). */
  repeats: number;
  firstRepeatAt: string | null;
  last: SecurityEventRowInput | null;
  overflow: boolean;
}

export interface SecurityEventFloods {
  /** True when `row` must be stored now; false when it was folded into a later row. */
  admit(row: SecurityEventRowInput, source: string): boolean;
  /** Hands over every pending fold at once (shutdown), and stops the sweep. */
  close(): void;
}

export function createSecurityEventFloods(deps: {
  /** Where a folded row goes (the batched writer). */
  store: (row: SecurityEventRowInput) => void;
  now?: () => number;
  windowMs?: number;
  maxSources?: number;
}): SecurityEventFloods {
  const now = deps.now ?? Date.now;
  const windowMs = deps.windowMs ?? FLOOD_WINDOW_MS;
  const maxSources = deps.maxSources ?? MAX_SOURCES;
  const folds = new Map<string, Fold>();
  let timer: NodeJS.Timeout | undefined;

  const folded = (fold: Fold): SecurityEventRowInput | null => {
    if (fold.repeats === 0 || fold.last === null) return null;
    const last = fold.last;
    return {
      ...last,
      ...(fold.overflow ? { tenant_id: null, ip: null, user_id: null } : {}),
      details: {
        ...(typeof last.details === 'object' && last.details !== null && !Array.isArray(last.details)
          ? last.details
          : {}),
        first_occurred_at: fold.firstRepeatAt,
        ...(fold.overflow ? { sources: 'many' } : {}),
      },
      count: fold.repeats,
    };
  };

  const sweep = () => {
    const t = now();
    for (const [key, fold] of folds) {
      if (fold.windowEnds > t) continue;
      const row = folded(fold);
      if (row === null) {
        folds.delete(key);
        continue;
      }
      deps.store(row);
      // Still knocking: the next minute folds too, without a first row of its own.
      Object.assign(fold, { windowEnds: t + windowMs, repeats: 0, firstRepeatAt: null, last: null });
    }
    if (folds.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    admit(row, source) {
      // A window of 0 (SECURITY_EVENT_FOLD_SECONDS=0): every event is a row of its own.
      if (windowMs <= 0) return true;
      const t = now();
      let key = `${row.event_type}|${source}`;
      let fold = folds.get(key);
      if (fold !== undefined && fold.windowEnds <= t) {
        sweep();
        fold = folds.get(key);
      }
      if (fold === undefined && folds.size >= maxSources) {
        key = `${row.event_type}|*`;
        fold = folds.get(key);
      }
      if (fold === undefined) {
        folds.set(key, {
          windowEnds: t + windowMs,
          repeats: 0,
          firstRepeatAt: null,
          last: null,
          overflow: key.endsWith('|*'),
        });
        if (timer === undefined) {
          timer = setInterval(sweep, Math.min(SWEEP_MS, windowMs));
          timer.unref();
        }
        return true;
      }
      fold.repeats++;
      fold.firstRepeatAt ??= row.occurred_at;
      fold.last = row;
      return false;
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      for (const fold of folds.values()) {
        const row = folded(fold);
        if (row !== null) deps.store(row);
      }
      folds.clear();
    },
  };
}
