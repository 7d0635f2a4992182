import { randomUUID } from 'node:crypto';

/** The header a request id arrives in and is echoed back in (installResponseHeaders). */
export const REQUEST_ID_HEADER = 'x-request-id';
const VALID = /^[\w.:-]{1,128}$/;

/** Request id for logs: taken from a well-formed incoming `X-Request-Id`, else generated; echoed in the response. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && VALID.test(incoming) ? incoming : randomUUID();
}
