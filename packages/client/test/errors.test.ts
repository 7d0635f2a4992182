import { describe, expect, it } from 'vitest';
import { OAuth2Error, TokenError } from '../src/index.js';

describe('errors', () => {
  it('carry a stable code and serialise without a stack or cause', () => {
    const err = new TokenError('refresh token rejected', {
      code: 'invalid_grant',
      status: 400,
      error: 'invalid_grant',
    });
    expect(err).toBeInstanceOf(OAuth2Error);
    expect(err.name).toBe('TokenError');
    expect(err.toJSON()).toMatchObject({ code: 'invalid_grant', status: 400, retryable: false });
  });
});
