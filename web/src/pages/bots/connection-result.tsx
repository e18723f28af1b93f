// The outcome of a connection test: whether the bot answered 2xx, its status code, the time it
// took and, when it failed, why in words. The API sends nothing else the bot said (bots.schemas.ts).
import type { ConnectionResult as Result } from '../../api/types.ts';
import { connectionErrorText } from './labels.ts';

export function ConnectionResult(props: { result: Result }) {
  const { result } = props;
  const why = connectionErrorText(result);
  return (
    <div className={`notice ${result.ok ? 'notice-ok' : 'notice-error'}`} role="status">
      <p className="connection-verdict">{result.ok ? 'Connection succeeded.' : 'Connection failed.'}</p>
      <dl className="details">
        <dt>Status code</dt>
        <dd>{result.status_code ?? 'No answer'}</dd>
        <dt>Latency</dt>
        <dd>{result.latency_ms} ms</dd>
        {why !== undefined && (
          <>
            <dt>Error</dt>
            <dd>{why}</dd>
          </>
        )}
        {result.detail !== undefined && (
          <>
            <dt>Detail</dt>
            <dd className="wrap">{result.detail}</dd>
          </>
        )}
      </dl>
    </div>
  );
}
