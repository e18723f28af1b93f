// Request and response schemas of the account routes. A user object never carries the password
// hash: the response schema lists the fields that may leave, and nothing else can.
import { Type } from 'typebox';
import { Email, FullName, NewPassword, Password, TenantName } from '../auth/index.ts';
import type { UserRow } from './users.repository.ts';

/** Roles a tenant admin may grant. `operator` exists, but only the command line grants it. */
export const API_ROLES = ['admin', 'user'] as const;

export const Roles = Type.Array(Type.Union(API_ROLES.map((r) => Type.Literal(r))), {
  minItems: 1,
  maxItems: 2,
  uniqueItems: true,
});

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: NewPassword,
    full_name: FullName,
    tenant_name: Type.Optional(TenantName),
  },
  {
    examples: [
      {
        email: 'alice@example.com',
        password: 'Correct-Horse-9!',
        full_name: 'Alice Martin',
        tenant_name: 'Acme Trading',
      },
    ],
  },
);

export const User = Type.Object({
  id: Type.String({ format: 'uuid' }),
  tenant_id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  full_name: Type.String(),
  roles: Type.Array(Type.String()),
  is_active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export interface UserView {
  id: string;
  tenant_id: string;
  email: string;
  full_name: string;
  roles: string[];
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export function userView(row: UserRow): UserView {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    email: row.email,
    full_name: row.full_name,
    roles: row.roles,
    is_active: row.is_active,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export const UserIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const CreateUserBody = Type.Object(
  {
    email: Email,
    password: NewPassword,
    full_name: FullName,
    roles: Type.Optional(Roles),
  },
  {
    examples: [
      { email: 'bob@example.com', password: 'Battery-Staple-7?', full_name: 'Bob Chen', roles: ['user'] },
    ],
  },
);

export const UpdateUserBody = Type.Object(
  {
    full_name: Type.Optional(FullName),
    roles: Type.Optional(Roles),
    is_active: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1, examples: [{ roles: ['admin', 'user'] }, { is_active: false }] },
);

export const UpdateMeBody = Type.Object(
  { full_name: FullName },
  { examples: [{ full_name: 'Alice Martin-Roy' }] },
);

export const ChangePasswordBody = Type.Object(
  {
    current_password: Password,
    new_password: NewPassword,
    cookie: Type.Optional(
      Type.Boolean({ description: 'true: deliver the new refresh token as the HttpOnly tw_refresh cookie' }),
    ),
  },
  { examples: [{ current_password: 'Correct-Horse-9!', new_password: 'Battery-Staple-7?' }] },
);
