// The flood rule for alerts (CONTRACT.md, "Security events"): an alert for the same event and
// subject is sent at most once per 10 minutes, across every instance, and the next one carries the
// count since the last. The subject is the user when the event names one, else the client (an IPv6
// /64 counts as one), else the tenant.
//
// Across instances the slot is claimed in the shared store (the first increment of the window
// wins), and occurrences are added to a shared count that the winner of the next slot reports and
// resets. Each instance asks the store at most once per subject and window: while it knows the
// slot is taken (or is asking), further occurrences are only counted locally and added to the
// shared count on its next claim, so a flood costs no store round trip per occurrence. Occurrences
// counted by another instance after the winner read the shared count roll into the next alert.
// The local map is bounded (MAX_SUBJECTS): forgetting a subject only costs one more claim, which
// the shared slot still refuses.

import { clientKey } from '../../platform/client-key.ts';
import type { StateStore, StoreResult } from '../../platform/store/index.ts';
import { StoreUnavailableError } from '../../platform/store/index.ts';
import type { SecurityEvent } from '../audit/index.ts';

export const ALERT_WINDOW_MS = 10 * 60_000;
const MAX_SUBJECTS = 10_000;
/** The shared count outlives a window: it is reset by the winner of the next slot. */
const COUNT_TTL_MS = 24 * 60 * 60_000;

interface Slot {
  /** Until when this instance knows the slot is taken; Infinity while its claim is in flight. */
  until: number;
  /** Occurrences counted here and not yet added to the shared count. */
  pending: number;
}

export interface AlertFloods {
  /**
   * Resolves to the number of occurrences the alert reports (this one included) when this
   * occurrence gets the slot, or null when an alert for the same event and subject went out less
   * than 10 minutes ago.
   */
  admit(event: SecurityEvent): Promise<number | null>;
}

export function alertSubject(event: SecurityEvent): string {
  if (event.userId !== undefined) return `u:${event.userId}`;
  if (event.ip !== undefined) return `ip:${clientKey(event.ip)}`;
  if (event.tenantId !== undefined) return `t:${event.tenantId}`;
  return 'anonymous';
}

export function createAlertFloods(deps: {
  store: StateStore;
  now?: () => number;
  windowMs?: number;
}): AlertFloods {
  const now = deps.now ?? Date.now;
  const windowMs = deps.windowMs ?? ALERT_WINDOW_MS;
  const slots = new Map<string, Slot>();

  const forgetSome = () => {
    const t = now();
    for (const [key, slot] of slots) if (slot.until <= t && slot.pending === 0) slots.delete(key);
    // Still full: drop the oldest (insertion order). A forgotten subject is claimed again, and the
    // shared slot still refuses it; only its local pending count is lost.
    for (const key of slots.keys()) {
      if (slots.size < MAX_SUBJECTS) break;
      slots.delete(key);
    }
  };

  return {
    async admit(event) {
      const subject = alertSubject(event);
      // One hash tag per event and subject: both keys in one Redis Cluster slot.
      const tag = `{alert:${event.type}:${subject}}`;
      const t = now();
      let slot = slots.get(tag);
      if (slot !== undefined && slot.until > t) {
        slot.pending++;
        return null;
      }
      if (slot === undefined) {
        if (slots.size >= MAX_SUBJECTS) forgetSome();
        slot = { until: Number.POSITIVE_INFINITY, pending: 0 };
        slots.set(tag, slot);
      }
      const add = slot.pending + 1;
      slot.pending = 0;
      slot.until = Number.POSITIVE_INFINITY;
      let results: StoreResult[];
      try {
        results = await deps.store.batch([
          { op: 'increment', key: `alert-slot:${tag}`, windowMs },
          { op: 'increment', key: `alert-count:${tag}`, windowMs: COUNT_TTL_MS, by: add },
        ]);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        // Without the shared store this instance decides alone: an alert is worth more than a
        // duplicate while Redis is down.
        slot.until = now() + windowMs;
        return add;
      }
      const claim = results[0] as { count: number; ttlMs: number };
      const count = results[1] as { count: number };
      slot.until = now() + Math.max(1, claim.ttlMs);
      if (claim.count !== 1) return null;
      try {
        await deps.store.delete(`alert-count:${tag}`);
      } catch (error) {
        // The next alert then reports these occurrences again: over-counted, never lost.
        if (!(error instanceof StoreUnavailableError)) throw error;
      }
      return count.count;
    },
  };
}
