// Sends raw bytes to a loopback server and collects everything it answers until it closes.
import { once } from 'node:events';
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

export function parseAnswer(raw: string): RawAnswer {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n'), raw };
}

/**
 * Writes `chunks` (waiting `pauseMs` between them, to play a slow client), then reads until the
 * server closes the connection or `timeoutMs` passes.
 */
export async function rawRequest(
  port: number,
  chunks: string[],
  options: { pauseMs?: number; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (data) => {
    received += data.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  for (const chunk of chunks) {
    if (socket.destroyed) break;
    socket.write(chunk);
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 10_000);
  await closed;
  clearTimeout(timer);
  return parseAnswer(received);
}
