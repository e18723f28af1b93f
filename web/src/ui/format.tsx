/** A timestamp in the reader's locale, with the exact instant machine-readable (and on hover). */
export function Time(props: { iso: string | null | undefined }) {
  if (props.iso === null || props.iso === undefined) return <span>—</span>;
  const date = new Date(props.iso);
  return (
    <time dateTime={props.iso} title={props.iso}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}
