import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import {
  Browser,
  pkce,
  postAsWebApp,
  redeemWebAppCode,
  signInThroughForms,
  WEB_APP,
  webAppAuthorizeParams,
} from './form-login.js';

/** WEB_APP allowed refresh tokens, without a consent page. */
export const REFRESHING_WEB_APP = {
  ...WEB_APP,
  grant_types: ['authorization_code', 'refresh_token'],
  skip_consent: true,
};

/** Signs `user` in through the pages with offline_access and redeems the code as `web-app`: the refresh token. */
export async function signInForRefreshToken(
  t: { app: FastifyInstance },
  user: { username: string; password: string },
): Promise<string> {
  const { challenge, verifier } = pkce();
  const res = await signInThroughForms(
    new Browser(t),
    webAppAuthorizeParams(challenge, { scope: 'openid offline_access' }),
    user.username,
    user.password,
  );
  const code = new URL(res.headers.location as string).searchParams.get('code')!;
  const tokens = await redeemWebAppCode(t.app, code, verifier);
  expect(tokens.statusCode, tokens.body).toBe(200);
  return tokens.json().refresh_token as string;
}

/** A refresh_token grant request as `web-app`. */
export const refreshAsWebApp = (app: FastifyInstance, refreshToken: string) =>
  postAsWebApp(app, '/api/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
