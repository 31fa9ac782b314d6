/**
 * Readiness probes for `startServerProcess`: small questions to a server that answer true once it serves.
 * They never throw; a refused or failed attempt is `false`.
 */
import * as net from 'node:net';

/** Whether a TCP connection to `host:port` is accepted (then closed at once). */
export function acceptsTcp(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Whether a GET of `url` answers with HTTP `status` (the body is read and dropped). */
export async function answersHttp(url: string, status: number): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status === status;
  } catch {
    return false;
  }
}
