// Options more than one command takes.
import { isUuid } from '../../platform/db/index.ts';
import type { OptionSpec, ParsedArgs } from '../context.ts';
import { optionValue, UsageError } from '../context.ts';

export const TENANT_OPTION: OptionSpec = { name: 'tenant', value: 'uuid', description: 'only this tenant' };

/** The `--tenant <uuid>` value, lower-cased; a usage error when it is no UUID. */
export function tenantOption(args: ParsedArgs): string | undefined {
  const tenant = optionValue(args, 'tenant');
  if (tenant !== undefined && !isUuid(tenant)) {
    throw new UsageError(`--tenant must be a tenant's id (a UUID), got "${tenant}"`);
  }
  return tenant?.toLowerCase();
}
