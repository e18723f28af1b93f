// The outbound HTTP client for bot connection tests: SSRF-safe by construction (see README.md).
export type { AddressFamily, AddressPolicyOptions, AddressVerdict, VettedAddress } from './address-policy.ts';
export { classifyAddress, debugOpens, describeAddressRefusal } from './address-policy.ts';
export type { OutboundFailure, RefusalReason } from './errors.ts';
export { OutboundFailedError, OutboundRefusedError } from './errors.ts';
export type { DialHook, DialTarget } from './pinned-client.ts';
export type { ConnectionTestResult, TestConnectionOptions } from './test-connection.ts';
export { OUTBOUND_DEFAULTS, testConnection } from './test-connection.ts';
export type { ResolvedAddress, Resolver, UrlPolicyOptions, VettedTarget } from './url-policy.ts';
export { checkUrl, systemResolver } from './url-policy.ts';
