// The response headers every answer carries (OWASP ASVS 14.4, OWASP Secure Headers Project).
// They are constant strings set once per request from a frozen object: measured on this machine,
// one onRequest hook costs ~2 % of a trivial route's throughput where @fastify/helmet costs ~40 %.

/**
 * API responses are JSON: nothing in them may load, run, frame or be framed (CSP Level 3).
 * `frame-ancestors 'none'` is the modern form of X-Frame-Options: DENY, which is kept for old agents.
 */
export const API_CONTENT_SECURITY_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The one inline style the reference renders: the top bar's Swagger logo (an SVG whose `<style>`
 * element swagger-ui-standalone-preset.js creates before @fastify/swagger-ui swaps the logo for
 * an image). Allowed by its hash, which CSP Level 3 applies to `<style>` elements however they
 * are inserted; test/platform/openapi.docs-page.test.ts recomputes it from the served script.
 */
export const DOCS_INLINE_STYLE_HASHES = ["'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"];

/**
 * The interactive reference (/docs, Swagger UI) loads its scripts, styles and images from this
 * server and calls /docs/json with fetch. @fastify/swagger-ui serves no inline script or style in
 * its HTML (its initializer is a separate file, its CSP hash lists are empty); the one style
 * element its scripts create is allowed by hash (above). The bundle touches `Function` only as a
 * fallback behind `globalThis`, so neither 'unsafe-inline' nor 'unsafe-eval' is needed. `data:`
 * images are the icons inlined in swagger-ui.css and the logo that replaces Swagger's.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  ["style-src 'self'", ...DOCS_INLINE_STYLE_HASHES].join(' '),
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The web console (/, src/platform/web-console.ts): its script and stylesheet are files of this
 * origin, loaded by <script src> and <link>, with no inline script, no inline style and no eval;
 * it talks only to this origin. Trusted Types are required and no policy may be made, so no string
 * can ever reach an HTML or script sink (innerHTML, eval, javascript: URLs): React writes text, and
 * a payload in a bot's name stays text (OWASP DOM XSS Prevention Cheat Sheet, W3C Trusted Types).
 * `data:` images are for generated pictures (an MFA QR code). Forms are handled by script and
 * never submitted, so form-action is 'none'.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** One year, subdomains included (RFC 6797 §6.1); sent only on secure responses (§7.2). */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': API_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // CORP applies to no-cors loads only (Fetch §3.8), so CORS calls from the console are unaffected.
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
  // Answers differ by Origin (CORS grants), so shared caches must key on it (Fetch §3.2.5).
  vary: 'Origin',
});

/** The same headers as raw header lines, for answers written straight to the socket. */
export const SECURITY_HEADER_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');
