import { describe, expect, it } from 'vitest';
import { ProviderError, TokenError } from '../src/errors/index.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { noopLogger, REDACTED, redact, redactString, safeLogger } from '../src/telemetry/logging.js';
import { TokenManager } from '../src/token/index.js';
import { capturedPino } from './support/log-capture.js';
import { storedTokens } from './support/stored-tokens.js';

const SECRETS = [
  'at-SECRET-1',
  'rt-SECRET-2',
  'idt-SECRET-3',
  'cs-SECRET-4',
  'code-SECRET-5',
  'verifier-SECRET-6',
  'assertion-SECRET-7',
  'pw-SECRET-8',
  'bearer-SECRET-9',
  'tok-SECRET-10',
];

describe('redact', () => {
  it('replaces every secret key, at any depth, without touching the input', () => {
    const input = {
      access_token: 'a',
      accessToken: 'b',
      refresh_token: 'c',
      refreshToken: 'd',
      id_token: 'e',
      idToken: 'f',
      client_secret: 'g',
      clientSecret: 'h',
      code: 'i',
      code_verifier: 'j',
      codeVerifier: 'k',
      assertion: 'l',
      client_assertion: 'm',
      password: 'n',
      token: 'o',
      nested: { headers: { Authorization: 'Bearer x', authorization: 'Basic y', accept: 'json' } },
      list: [{ refresh_token: 'p' }],
      expiresIn: 3600,
    };
    const out = redact(input);
    for (const key of Object.keys(input).filter((k) => !['nested', 'list', 'expiresIn'].includes(k)))
      expect(out[key as keyof typeof out], key).toBe(REDACTED);
    expect(out.nested.headers).toEqual({ Authorization: REDACTED, authorization: REDACTED, accept: 'json' });
    expect(out.list).toEqual([{ refresh_token: REDACTED }]);
    expect(out.expiresIn).toBe(3600);
    expect(input.access_token).toBe('a');
    expect(input.nested.headers.Authorization).toBe('Bearer x');
  });

  it('scrubs secrets inside URL query strings, form bodies and JSON text', () => {
    expect(redactString('https://app.example/cb?code=abc123&state=xyz')).toBe(
      `https://app.example/cb?code=${REDACTED}&state=xyz`,
    );
    expect(
      redactString('grant_type=refresh_token&refresh_token=rt1&client_id=app&client_secret=s3cr3t'),
    ).toBe(`grant_type=refresh_token&refresh_token=${REDACTED}&client_id=app&client_secret=${REDACTED}`);
    expect(redactString('token=abc&token_type_hint=access_token')).toBe(
      `token=${REDACTED}&token_type_hint=access_token`,
    );
    expect(redactString('https://app.example/cb#access_token=abc&token_type=Bearer')).toBe(
      `https://app.example/cb#access_token=${REDACTED}&token_type=Bearer`,
    );
    expect(redactString('{"access_token":"abc","expires_in":60,"id_token": "x\\"y"}')).toBe(
      `{"access_token":"${REDACTED}","expires_in":60,"id_token": "${REDACTED}"}`,
    );
    expect(redactString('sent Authorization: Bearer eyJabc.def-ghi')).toBe(
      `sent Authorization: Bearer ${REDACTED}`,
    );
    expect(redact({ url: new URL('https://x.example/?password=p&a=1') })).toEqual({
      url: `https://x.example/?password=${REDACTED}&a=1`,
    });
    expect(
      redact({ body: new URLSearchParams({ code_verifier: 'v', grant_type: 'authorization_code' }) }),
    ).toEqual({
      body: `code_verifier=${REDACTED}&grant_type=authorization_code`,
    });
  });

  it('scrubs credentials after an auth scheme in any letter case (RFC 9110 §11.1)', () => {
    expect(redactString('authorization: bearer gho_16C7e42F292c6912E7710c838347Ae178B4a')).toBe(
      `authorization: bearer ${REDACTED}`,
    );
    expect(redact({ msg: 'curl -H "Authorization: BASIC dXNlcjpwYXNz"' })).toEqual({
      msg: `curl -H "Authorization: BASIC ${REDACTED}"`,
    });
    expect(redactString('DPOP eyJabc.def')).toBe(`DPOP ${REDACTED}`);
  });

  it('handles errors, Headers, Maps and cycles', () => {
    const err = new ProviderError('failed for https://idp/token?code=abc', { code: 'invalid_grant' });
    const out = redact({ err }) as unknown as { err: Record<string, unknown> };
    expect(out.err.message).toBe(`failed for https://idp/token?code=${REDACTED}`);
    expect(out.err.code).toBe('invalid_grant');
    expect(redact({ h: new Headers({ authorization: 'Bearer z', 'x-a': '1' }) })).toEqual({
      h: { authorization: REDACTED, 'x-a': '1' },
    });
    expect(redact(new Map([['refreshToken', 'r']]))).toEqual({ refreshToken: REDACTED });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: '[Circular]' });
  });
});

describe('safeLogger with pino', () => {
  it('no secret reaches any output line', () => {
    const { logger, lines } = capturedPino();
    const log = safeLogger(logger);
    const [at, rt, idt, cs, code, verifier, assertion, pw, bearer, tok] = SECRETS;
    log.debug({ tokens: { access_token: at, refresh_token: rt, id_token: idt } }, 'token response');
    log.info(
      {
        request: {
          url: `https://idp.example/token?client_secret=${cs}`,
          headers: { Authorization: `Bearer ${bearer}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=authorization_code&code=${code}&code_verifier=${verifier}&redirect_uri=https%3A%2F%2Fapp`,
        },
      },
      'POST token',
    );
    log.warn({ clientAssertion: assertion, password: pw }, `retrying with token=${tok}`);
    log.error({ err: new Error(`refresh failed: {"refresh_token":"${rt}"}`) }, 'refresh failed');
    log.info({ callback: `https://app.example/cb?code=${code}&state=s1` });
    expect(lines).toHaveLength(5);
    for (const line of lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
    expect(lines.join('\n')).toContain(REDACTED);
    const second = JSON.parse(lines[1] ?? '{}');
    expect(second.msg).toBe('POST token');
    expect(second.request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(second.request.body).toContain('grant_type=authorization_code');
    expect(second.request.body).toContain('redirect_uri=https%3A%2F%2Fapp');
  });

  it('defaults to a no-op logger, does not double wrap, and survives a throwing logger', () => {
    expect(safeLogger(undefined)).toBe(noopLogger);
    const { logger } = capturedPino();
    const once = safeLogger(logger);
    expect(safeLogger(once)).toBe(once);
    const throwing = safeLogger({
      debug: () => {
        throw new Error('boom');
      },
      info: () => {},
      warn: () => {},
      error: () => {},
    });
    expect(() => throwing.debug({ a: 1 }, 'x')).not.toThrow();
  });
});

describe('TokenManager logger', () => {
  it('logs refreshes and failures through redaction', async () => {
    const { logger, lines } = capturedPino();
    const storage = new MemoryTokenStorage();
    let fail = false;
    const manager = new TokenManager({
      storage,
      logger,
      endpoint: {
        async refresh(refreshToken) {
          if (fail)
            throw new ProviderError(`invalid_grant for body refresh_token=${refreshToken}`, {
              code: 'invalid_grant',
              cause: { refresh_token: refreshToken, body: `{"refresh_token":"${refreshToken}"}` },
            });
          return {
            accessToken: 'at-SECRET-new',
            tokenType: 'Bearer',
            expiresIn: 3600,
            refreshToken: 'rt-SECRET-new',
            raw: {},
          };
        },
      },
    });
    const now = Date.now();
    const expired = storedTokens({
      accessToken: 'at-SECRET-old',
      refreshToken: 'rt-SECRET-old',
      expiresAt: now - 1000,
      metadata: { createdAt: now - 10_000, refreshCount: 0 },
    });
    await storage.store('u1', expired);
    expect((await manager.getAccessToken('u1')).token).toBe('at-SECRET-new');
    fail = true;
    await storage.store('u1', expired);
    await expect(manager.getAccessToken('u1')).rejects.toBeInstanceOf(TokenError);
    const messages = lines.map((l) => JSON.parse(l).msg);
    expect(messages).toEqual([
      'refreshing access token',
      'access token refreshed',
      'refreshing access token',
      'token refresh failed',
      'stored tokens are no longer usable and were deleted',
    ]);
    for (const line of lines) expect(line).not.toMatch(/SECRET/);
    expect(JSON.parse(lines[3] ?? '{}').err.code).toBe('invalid_grant');
  });
});
