import type { FastifyInstance } from 'fastify';
import type { KeyService } from '../../service/keys/keys.js';
import { issuerPath } from '../issuer-path.js';

/** How stale the published JWKS may be on this node after another node (or the CLI) rotated a key. */
const JWKS_MAX_AGE_MS = 5_000;

/**
 * The signing keys' public halves (RFC 7517 §5), at `jwks_uri` (`<issuer>/api/oauth/jwks`) and at the
 * conventional `<issuer>/.well-known/jwks.json`.
 */
export function jwksRoutes(keys: Pick<KeyService, 'refresh' | 'jwks'>, issuer: string) {
  return async (app: FastifyInstance): Promise<void> => {
    const path = issuerPath(issuer);
    const jwks = async () => {
      await keys.refresh(JWKS_MAX_AGE_MS);
      return keys.jwks();
    };
    app.get(`${path}/.well-known/jwks.json`, jwks);
    app.get(`${path}/api/oauth/jwks`, jwks);
  };
}
