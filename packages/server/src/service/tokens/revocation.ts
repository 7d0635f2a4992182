import type { Client } from '../../domain/index.js';
import { invalidRequest } from '../../error/index.js';
import type { AccessTokens } from './access-tokens.js';
import type { RefreshTokens } from './refresh-tokens.js';

/**
 * RFC 7009 §2.1: refresh tokens (their whole grant) and access tokens; tokens that are unknown or belong to
 * another client are ignored, and the answer is the same 200 either way (§2.2).
 */
export class Revocation {
  constructor(
    private readonly accessTokens: Pick<AccessTokens, 'revoke'>,
    private readonly refreshTokens: Pick<RefreshTokens, 'revoke'>,
  ) {}

  async revoke(client: Client, token: string | undefined): Promise<void> {
    if (token === undefined || token === '') throw invalidRequest('token is required');
    // A refresh token is a cheap hash lookup; an access token needs a signature check. The hint is only an
    // optimisation (§2.1), so both are tried whatever it says.
    if (await this.refreshTokens.revoke(client, token)) return;
    await this.accessTokens.revoke(client, token);
  }
}
