import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import type { OAuth2ClientConfig } from '../../src/index.js';
import { type LocalServer, startLocalServer } from './local-server.js';

/** A scripted OpenID provider on a local port: `/jwks`, `/token` and `/userinfo` answer what the test sets. */
export interface ScriptedOidc {
  server: LocalServer;
  issuer: string;
  /** Client config pointing at this provider (client `app`). */
  config: OAuth2ClientConfig;
  /** The next `/token` answers (JSON, status 200). */
  tokenResponse: (form: URLSearchParams) => Record<string, unknown>;
  /** The `/userinfo` answer (JSON, status 200). */
  userinfo: Record<string, unknown>;
  /** An ID token signed with the published key (or, with `foreign`, an unpublished one). */
  idToken(claims?: JWTPayload, options?: { foreign?: boolean; alg?: string }): Promise<string>;
}

const CLIENT_ID = 'app';

export async function startScriptedOidc(): Promise<ScriptedOidc> {
  const published = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const state = {
    tokenResponse: (() => ({ access_token: 'at', token_type: 'Bearer' })) as ScriptedOidc['tokenResponse'],
    userinfo: {} as Record<string, unknown>,
  };
  const server = await startLocalServer((req, res, body) => {
    const json = (value: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.url === '/jwks') return json({ keys: [jwk] });
    if (req.url === '/userinfo') return json(state.userinfo);
    return json(state.tokenResponse(new URLSearchParams(body)));
  });
  const issuer = server.url;
  return {
    server,
    issuer,
    config: {
      clientId: CLIENT_ID,
      issuer,
      tokenEndpoint: `${issuer}/token`,
      jwksUri: `${issuer}/jwks`,
      authorizationEndpoint: `${issuer}/authorize`,
      userinfoEndpoint: `${issuer}/userinfo`,
      redirectUri: 'http://127.0.0.1/cb',
    },
    get tokenResponse() {
      return state.tokenResponse;
    },
    set tokenResponse(value) {
      state.tokenResponse = value;
    },
    get userinfo() {
      return state.userinfo;
    },
    set userinfo(value) {
      state.userinfo = value;
    },
    idToken: (claims = {}, options = {}) =>
      new SignJWT({ sub: 'user-1', aud: CLIENT_ID, ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: 'k1' })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(options.foreign ? foreign.privateKey : published.privateKey),
  };
}
