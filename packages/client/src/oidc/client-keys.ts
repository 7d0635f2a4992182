import type { JWTVerifyGetKey } from 'jose';
import { type ClientContext, requireEndpoint } from '../http/context.js';
import { createJwksResolver } from './jwks.js';

const resolvers = new WeakMap<ClientContext, JWTVerifyGetKey>();

/** The provider's signing keys for a client (its `jwksUri`), one cached resolver per client. */
export function idTokenKeys(ctx: ClientContext): JWTVerifyGetKey {
  let keys = resolvers.get(ctx);
  if (!keys) {
    keys = createJwksResolver(requireEndpoint(ctx.config, 'jwksUri'), ctx.transport);
    resolvers.set(ctx, keys);
  }
  return keys;
}
