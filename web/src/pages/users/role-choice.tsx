// The roles a tenant admin may grant (users.schemas.ts API_ROLES: `operator` only comes from the
// command line), as checkboxes in a fieldset: the form of a new user and each row of the list.
import { useId } from 'react';

export const GRANTABLE_ROLES = ['admin', 'user'] as const;
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

const ROLE_WORDS: Record<GrantableRole, string> = {
  admin: 'Admin',
  user: 'User',
};

/** The grantable roles in a fixed order, whatever order they were given in. */
export function grantable(roles: readonly string[]): GrantableRole[] {
  return GRANTABLE_ROLES.filter((role) => roles.includes(role));
}

export function RoleChoice(props: {
  legend: string;
  /** Visually hidden legend (a table cell, where the column header says it). */
  hideLegend?: boolean;
  roles: readonly GrantableRole[];
  onChange: (roles: GrantableRole[]) => void;
  errors?: string[] | undefined;
  disabled?: boolean;
}) {
  const id = useId();
  const invalid = props.errors !== undefined && props.errors.length > 0;
  const toggle = (role: GrantableRole, on: boolean) =>
    props.onChange(grantable(on ? [...props.roles, role] : props.roles.filter((r) => r !== role)));
  return (
    <fieldset
      className={`roles${invalid ? ' field-invalid' : ''}`}
      aria-describedby={invalid ? `${id}-errors` : undefined}
    >
      <legend className={props.hideLegend === true ? 'visually-hidden' : undefined}>{props.legend}</legend>
      {GRANTABLE_ROLES.map((role) => (
        <label key={role} className="checkbox">
          <input
            type="checkbox"
            checked={props.roles.includes(role)}
            disabled={props.disabled}
            onChange={(event) => toggle(role, event.target.checked)}
          />
          {ROLE_WORDS[role]}
        </label>
      ))}
      {invalid && (
        <ul className="field-errors" id={`${id}-errors`}>
          {props.errors?.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
