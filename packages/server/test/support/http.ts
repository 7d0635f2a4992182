import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for a server the test starts as a process). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** An HTTP Basic `Authorization` value for a client (RFC 6749 §2.3.1: id and secret form-encoded first). */
export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * `attempt()` again while it is answered 503 (a pool or client still reconnecting after an outage), up to 50
 * times 200 ms apart: the last answer.
 */
export async function retryWhileUnavailable<T extends { statusCode: number }>(
  attempt: () => Promise<T>,
): Promise<T> {
  let res = await attempt();
  for (let i = 0; i < 50 && res.statusCode === 503; i++) {
    await new Promise((r) => setTimeout(r, 200));
    res = await attempt();
  }
  return res;
}
