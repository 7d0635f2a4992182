import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ProtocolError } from '../errors/index.js';
import { readSuccessBody } from '../http/response.js';
import type { Transport } from '../http/transport.js';

const MIN_REFETCH_MS = 30_000;

/**
 * A JWKS key resolver fetched through the transport, cached, and refetched on an unknown `kid`
 * at most once per 30 s (OIDC Core §10.1.1 key rotation).
 */
export function createJwksResolver(jwksUri: string, transport: Transport): JWTVerifyGetKey {
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = 0;
  const load = async () => {
    const response = await transport({
      method: 'GET',
      url: jwksUri,
      headers: { accept: 'application/json' },
      endpoint: 'jwks',
      retry: 'safe',
    });
    const body = readSuccessBody(response, 'jwks');
    if (!Array.isArray(body['keys'])) {
      throw new ProtocolError('jwks response lacks keys', { code: 'invalid_response' });
    }
    local = createLocalJWKSet(body as unknown as JSONWebKeySet);
    fetchedAt = Date.now();
    return local;
  };
  return async (header, token) => {
    const keys = local ?? (await load());
    try {
      return await keys(header, token);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      if (Date.now() - fetchedAt < MIN_REFETCH_MS) throw error;
      return (await load())(header, token);
    }
  };
}
