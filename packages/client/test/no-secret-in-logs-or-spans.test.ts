import { describe, expect, it } from 'vitest';
import { createOAuth2ClientFromDiscovery } from '../src/index.js';
import { capturedPino } from './support/log-capture.js';
import { authorize, REDIRECT_URI, SECRET, useTestProvider } from './support/oidc-provider.js';
import { recorder } from './support/telemetry-recorder.js';

const op = useTestProvider();

describe('a full flow leaves no secret in logs, spans or metrics', () => {
  it('login + code exchange + refresh + userinfo + introspection + revocation + re-login demand', async () => {
    const { logger, lines } = capturedPino('trace');
    const { tracer, meter, spans, points } = recorder();
    const client = await createOAuth2ClientFromDiscovery(
      op.issuer,
      { clientId: 'basic', clientSecret: SECRET },
      { redirectUri: REDIRECT_URI, logger, telemetry: { tracer, meter } },
    );

    const flow = client.authorizationCodePkce();
    const request = await flow.buildAuthorizationUrl({
      scopes: ['openid', 'offline_access'],
      prompt: 'consent',
    });
    const callback = await authorize(request.url);
    const code = callback.searchParams.get('code') ?? '';
    const result = await flow.handleCallback(callback);
    const tokens = client.tokens();
    await tokens.storeTokens('user-1', result);
    const refreshed = await tokens.forceRefresh('user-1');
    const stored = await tokens.getStoredTokens('user-1');
    await client.userinfo(refreshed.token);
    await client.introspection().introspect({ token: refreshed.token });
    await tokens.clearTokens('user-1', { revoke: true });
    // A dead refresh token: the manager logs the failure and asks for sign-in again.
    await tokens.storeTokens('user-2', { ...result, expiresIn: 0 });
    await expect(tokens.getAccessToken('user-2')).rejects.toMatchObject({
      code: 'reauthentication_required',
    });

    const secrets = [
      SECRET,
      code,
      request.codeVerifier ?? '',
      result.accessToken,
      result.refreshToken ?? '',
      result.idToken ?? '',
      refreshed.token,
      stored?.refreshToken ?? '',
    ].filter((s) => s.length > 0);
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    expect(spans.length).toBeGreaterThan(5);
    expect(lines.length).toBeGreaterThan(0);

    const recorded = [...lines, JSON.stringify(spans), JSON.stringify(points)].join('\n');
    for (const secret of secrets) expect(recorded).not.toContain(secret);
  });
});
