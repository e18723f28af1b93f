// Client addresses for tests of limits, blocks and detectors: random ones from the benchmarking
// range 198.18.0.0/15 (RFC 2544), so that test files and repeated runs on one database never
// share a counter or a block.
import { randomInt } from 'node:crypto';

export function testIp(): string {
  return `198.${18 + randomInt(2)}.${randomInt(256)}.${1 + randomInt(254)}`;
}
