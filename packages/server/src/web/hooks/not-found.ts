import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFoundPage, PAGE_HEADERS } from '../pages/index.js';
import { rawAnswer } from './raw-answers.js';

/** `decodeURIComponent` that gives up (undefined) on malformed percent-encoding instead of throwing. */
function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/** Whether an `Accept` header (RFC 9110 §12.5.1) takes HTML: a browser navigating, not an API client. */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return type === 'text/html' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/**
 * `CONNECT` (RFC 9110 §9.3.6) asks for a tunnel: Node hands it to the server's `connect` listeners instead of
 * the request handler, and with none it closes the socket without a word. It is answered like any other
 * method the server does not serve (RFC 9110 §15.5.6): 405 with `Allow`, the methods it serves anywhere (an
 * authority-form target names no path of ours), then the connection is closed.
 */
function answerConnect(allowed: () => string) {
  return (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawAnswer(405, 'method CONNECT is not allowed here', { Allow: allowed() }));
  };
}

/**
 * 404 for unknown paths (an HTML page for a browser, JSON for everyone else); 405 with an `Allow` header when
 * the path exists under other methods (RFC 9110 §15.5.6), e.g. `GET /api/oauth/token`, and for `CONNECT`.
 *
 * The methods of each path are recorded as routes are added (an `onRoute` hook, so call this before
 * registering routes). The request path is only ever looked up in that table: handing it to the router's
 * `hasRoute` would parse it as a route *pattern*, and `/:a(` then throws (a 500 from any client).
 */
export function installNotFoundHandler(app: FastifyInstance): void {
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = methodsByPath.get(route.url) ?? new Set<string>();
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) methods.add(m);
    methodsByPath.set(route.url, methods);
  });
  const served = () => [...new Set([...methodsByPath.values()].flatMap((m) => [...m]))].sort().join(', ');
  app.server.on('connect', answerConnect(served));
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = decodePath(req.url.split('?')[0] ?? req.url);
    const allowed = path === undefined ? undefined : methodsByPath.get(path);
    if (allowed !== undefined && allowed.size > 0) {
      return reply
        .code(405)
        .header('allow', [...allowed].join(', '))
        .send({ error: 'invalid_request', error_description: `method ${req.method} is not allowed here` });
    }
    if (acceptsHtml(req.headers.accept)) return reply.code(404).headers(PAGE_HEADERS).send(notFoundPage());
    return reply.code(404).send({ error: 'not_found' });
  });
}
