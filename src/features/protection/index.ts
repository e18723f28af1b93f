// The protection feature's public surface: the request gate (IP blocks, rate limits, throttles),
// login's brute-force hooks, IP blocks.
export type { IpBlock, IpBlocks } from './ip-blocks.ts';
export type { LoginAttempt, LoginHooks } from './login-hooks.ts';
export type { RequestGate } from './request-gate.ts';
