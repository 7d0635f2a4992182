import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  clearDiscoveryCache,
  createOAuth2Client,
  discover,
  type OAuth2ClientConfig,
  WellKnownProviders,
} from '../src/index.js';
import { startLocalServer } from './support/local-server.js';
import { type ScriptedOidc, startScriptedOidc } from './support/scripted-oidc.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

let op: ScriptedOidc;
beforeEach(async () => {
  op = await startScriptedOidc();
  clearDiscoveryCache();
});
afterEach(async () => {
  await op.server.close();
});

/** Runs the authorization code flow with `openid` up to the callback, the ID token made by `claims`. */
async function signIn(config: OAuth2ClientConfig, claims: Record<string, unknown>) {
  const flow = createOAuth2Client(config).authorizationCodePkce();
  const { state, nonce } = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
  const idToken = await op.idToken({ ...claims, nonce });
  op.tokenResponse = () => ({ access_token: 'at', token_type: 'Bearer', id_token: idToken });
  return flow.handleCallback({ code: 'the-code', state });
}

describe('an issuer template with {tenantid} (multi-tenant providers)', () => {
  const template = () => `${op.issuer}/{tenantid}/v2.0`;

  it("accepts an ID token whose iss is the template filled with the token's tid", async () => {
    const result = await signIn(
      { ...op.config, issuer: template() },
      { tid: TENANT, iss: `${op.issuer}/${TENANT}/v2.0` },
    );
    expect(result.idTokenClaims?.['tid']).toBe(TENANT);
  });

  it.each([
    ['iss of another tenant than tid', { tid: TENANT, iss: `${'ISSUER'}/${OTHER_TENANT}/v2.0` }],
    ['no tid', { iss: `${'ISSUER'}/${TENANT}/v2.0` }],
    ['a tid that is not a GUID', { tid: 'common', iss: `${'ISSUER'}/common/v2.0` }],
    ['the unfilled template as iss', { tid: TENANT, iss: `${'ISSUER'}/{tenantid}/v2.0` }],
  ])('rejects an ID token with %s', async (_name, claims) => {
    const iss = claims.iss.replace('ISSUER', op.issuer);
    await expect(signIn({ ...op.config, issuer: template() }, { ...claims, iss })).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'invalid_id_token',
    });
  });

  it('checks the RFC 9207 iss of the authorization response against the template', async () => {
    const flow = createOAuth2Client({ ...op.config, issuer: template() }).authorizationCodePkce();
    const { state } = await flow.buildAuthorizationUrl({ scopes: ['api'] });
    await expect(
      flow.handleCallback({ code: 'c', state, iss: `${op.issuer}/not-a-guid/v2.0` }),
    ).rejects.toMatchObject({ code: 'iss_mismatch' });
    const next = await flow.buildAuthorizationUrl({ scopes: ['api'] });
    const ok = await flow.handleCallback({
      code: 'c',
      state: next.state,
      iss: `${op.issuer}/${TENANT}/v2.0`,
    });
    expect(ok.accessToken).toBe('at');
  });

  it('a template naming {tenantid} twice is a configuration error', () => {
    expect(() => createOAuth2Client({ ...op.config, issuer: `${op.issuer}/{tenantid}/{tenantid}` })).toThrow(
      ConfigurationError,
    );
  });

  it('discovery accepts a document that publishes the template for the requested tenant path', async () => {
    const server = await startLocalServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ issuer: `${server.url}/{tenantid}/v2.0`, token_endpoint: `${server.url}/token` }),
        );
    });
    try {
      expect((await discover(`${server.url}/common/v2.0`)).issuer).toBe(`${server.url}/{tenantid}/v2.0`);
      await expect(discover(`${server.url}/common/other`)).rejects.toMatchObject({
        code: 'discovery_failed',
      });
    } finally {
      await server.close();
    }
  });
});

describe('Microsoft preset (Entra ID puts the tenant GUID in iss)', () => {
  /** The preset's client, its HTTPS endpoints routed to the local scripted provider. */
  const microsoftClient = (tenant?: string): OAuth2ClientConfig => {
    const preset = WellKnownProviders.microsoft(tenant === undefined ? {} : { tenant });
    return {
      ...preset.config,
      clientId: 'app',
      redirectUri: 'http://127.0.0.1/cb',
      fetch: (input, init) => {
        const url = String(input);
        const local = url.includes('/discovery/v2.0/keys')
          ? `${op.issuer}/jwks`
          : url.replace('https://login.microsoftonline.com', op.issuer);
        return fetch(local, init);
      },
    };
  };

  it.each([undefined, 'organizations', 'consumers', 'contoso.onmicrosoft.com'])(
    'tenant %s: signs in a user whose ID token names its tenant GUID',
    async (tenant) => {
      const config = microsoftClient(tenant);
      expect(config.issuer).toBe('https://login.microsoftonline.com/{tenantid}/v2.0');
      const iss = `https://login.microsoftonline.com/${TENANT}/v2.0`;
      expect((await signIn(config, { tid: TENANT, iss })).idTokenClaims?.['tid']).toBe(TENANT);
    },
  );

  it('a GUID tenant gets a fixed issuer: a token from another tenant is rejected', async () => {
    const config = microsoftClient(TENANT);
    expect(config.issuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    const iss = `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`;
    await expect(signIn(config, { tid: OTHER_TENANT, iss })).rejects.toMatchObject({
      code: 'invalid_id_token',
    });
  });
});

/** `config` without one optional field. */
function without(config: OAuth2ClientConfig, field: 'issuer' | 'jwksUri'): OAuth2ClientConfig {
  const copy = { ...config };
  delete copy[field];
  return copy;
}

describe('ID token validation settings are checked before a code is redeemed', () => {
  it.each(['issuer', 'jwksUri'] as const)(
    'without %s an openid request is refused before it is sent',
    async (field) => {
      const config = { ...op.config, [field]: undefined };
      const flow = createOAuth2Client(config).authorizationCodePkce();
      await expect(flow.buildAuthorizationUrl({ scopes: ['openid'] })).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringContaining(field),
      });
    },
  );

  it('exchangeCode with a nonce but no jwksUri throws without calling the token endpoint', async () => {
    const flow = createOAuth2Client(without(op.config, 'jwksUri')).authorizationCodePkce();
    await expect(flow.exchangeCode('the-code', { nonce: 'n1' })).rejects.toBeInstanceOf(ConfigurationError);
    expect(op.server.requests).toHaveLength(0);
  });
});
