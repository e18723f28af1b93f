// Form fields with their errors (WCAG 3.3.1, 1.3.1): each input has its <label>, its hint and its
// error are tied to it by aria-describedby, and a 422 issue at `loc: [<where>, <field>]` is shown
// under that field. Issues no field owns are returned to the form, which shows them in its notice.

import type { ValidationIssue } from '@tradewise/client';
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { useId } from 'react';
import { ApiError } from '../api/client.ts';

export interface FieldErrors {
  /** Messages per field name. */
  byField: Record<string, string[]>;
  /** The issues of fields this form does not show (or a loc that names no field). */
  rest: ValidationIssue[];
}

/** Sorts a 422's issues onto the form's fields: `loc` [body|bot|query, field, …]. */
export function fieldErrors(error: unknown, fields: readonly string[]): FieldErrors {
  const result: FieldErrors = { byField: {}, rest: [] };
  if (!(error instanceof ApiError) || error.status !== 422) return result;
  for (const issue of error.issues) {
    const field = issue.loc[1];
    if (typeof field === 'string' && fields.includes(field)) {
      result.byField[field] = [...(result.byField[field] ?? []), issue.msg];
    } else {
      result.rest.push(issue);
    }
  }
  return result;
}

/** The error a form shows in its notice: a 422 with every issue placed on a field shows none. */
export function formLevelError(error: unknown, fields: readonly string[]): unknown {
  if (!(error instanceof ApiError) || error.status !== 422) return error;
  return fieldErrors(error, fields).rest.length > 0 ? error : undefined;
}

interface Described {
  label: string;
  hint?: ReactNode;
  errors?: string[] | undefined;
}

function Frame(props: Described & { id: string; children: ReactNode }) {
  const { id, label, hint, errors, children } = props;
  return (
    <div className={`field${errors !== undefined && errors.length > 0 ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint !== undefined && (
        <div className="field-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {errors !== undefined && errors.length > 0 && (
        <ul className="field-errors" id={`${id}-errors`}>
          {errors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function describedBy(id: string, props: Described): string | undefined {
  const ids = [
    props.hint !== undefined ? `${id}-hint` : undefined,
    props.errors !== undefined && props.errors.length > 0 ? `${id}-errors` : undefined,
  ].filter((x) => x !== undefined);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

export function TextField(props: Described & Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>) {
  const { label, hint, errors, ...input } = props;
  const id = useId();
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <Frame id={id} label={label} hint={hint} errors={errors}>
      <input
        id={id}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(id, props)}
        {...input}
      />
    </Frame>
  );
}

export function TextArea(props: Described & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'>) {
  const { label, hint, errors, ...input } = props;
  const id = useId();
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <Frame id={id} label={label} hint={hint} errors={errors}>
      <textarea
        id={id}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(id, props)}
        {...input}
      />
    </Frame>
  );
}

export function SelectField(
  props: Described &
    Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'> & {
      options: readonly { value: string; label: string }[];
    },
) {
  const { label, hint, errors, options, ...select } = props;
  const id = useId();
  const invalid = errors !== undefined && errors.length > 0;
  return (
    <Frame id={id} label={label} hint={hint} errors={errors}>
      <select
        id={id}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(id, props)}
        {...select}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}
