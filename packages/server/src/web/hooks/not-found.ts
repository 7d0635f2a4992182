import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** `decodeURIComponent` that gives up (undefined) on malformed percent-encoding instead of throwing. */
function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/**
 * 404 for unknown paths; 405 with an `Allow` header when the path exists under other methods
 * (RFC 9110 §15.5.6), e.g. `GET /api/oauth/token`.
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
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = decodePath(req.url.split('?')[0] ?? req.url);
    const allowed = path === undefined ? undefined : methodsByPath.get(path);
    if (allowed !== undefined && allowed.size > 0) {
      return reply
        .code(405)
        .header('allow', [...allowed].join(', '))
        .send({ error: 'invalid_request', error_description: `method ${req.method} is not allowed here` });
    }
    return reply.code(404).send({ error: 'not_found' });
  });
}
