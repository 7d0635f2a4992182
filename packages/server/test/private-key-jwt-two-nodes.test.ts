import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { type Gatehouse, openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { testConfig } from './support/app.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';

const ISSUER = 'https://id.example.com';

// The jti markers live in the shared store, so the nodes share Redis (and PostgreSQL for the client).
describe.skipIf(missing('postgres') || missing('redis'))(
  'private_key_jwt jti replay across nodes sharing PostgreSQL and Redis',
  () => {
    let schema: FreshSchema;
    const nodes: { ctx: Gatehouse; app: Awaited<ReturnType<typeof buildApp>> }[] = [];
    let privateKey: CryptoKey;

    beforeAll(async () => {
      schema = await createFreshSchema();
      const pair = await generateKeyPair('ES256');
      privateKey = pair.privateKey;
      const config = testConfig({
        oauth: { issuer: ISSUER },
        database: { url: schema.url },
        redis: { url: testRedisUrl },
        clients: [
          {
            client_id: 'pkj',
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }] },
          },
        ],
      });
      // Sequentially: both nodes run the migrations on the same fresh schema.
      for (let i = 0; i < 2; i++) {
        const ctx = await openGatehouse(config);
        nodes.push({ ctx, app: await buildApp(ctx) });
      }
    });
    afterAll(async () => {
      for (const n of nodes) {
        await n.app.close();
        await n.ctx.close();
      }
      await schema.drop();
    });

    const assertion = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('pkj')
        .setSubject('pkj')
        .setAudience(ISSUER)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(privateKey);
    const token = (node: number, a: string) =>
      nodes[node]!.app.inject({
        method: 'POST',
        url: '/api/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: a,
        }).toString(),
      });

    it('rejects on the second node an assertion already used on the first', async () => {
      const a = await assertion();
      expect((await token(0, a)).statusCode).toBe(200);
      const replay = await token(1, a);
      expect(replay.statusCode).toBe(401);
      expect(replay.json().error_description).toMatch(/jti.*already been used/);
    });

    it('lets exactly one of two concurrent uses on two nodes succeed', async () => {
      for (let i = 0; i < 5; i++) {
        const a = await assertion();
        const codes = (await Promise.all([token(0, a), token(1, a)])).map((r) => r.statusCode).sort();
        expect(codes).toEqual([200, 401]);
      }
    });
  },
);
