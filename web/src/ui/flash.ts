// A message for the page navigated to next ("Bot deleted" on the list after a delete). Kept in
// memory, not in the URL: a reload or a shared link must not repeat a stale success.
let pending: string | undefined;

export function setFlash(message: string): void {
  pending = message;
}

/** The pending message, without clearing it (StrictMode renders twice; clear it in an effect). */
export function peekFlash(): string | undefined {
  return pending;
}

export function clearFlash(): void {
  pending = undefined;
}
