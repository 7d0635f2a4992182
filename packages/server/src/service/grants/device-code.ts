import { randomUUID } from 'node:crypto';
import { type Client, DEVICE_CODE_GRANT_TYPE } from '../../domain/index.js';
import {
  accessDenied,
  authorizationPending,
  expiredToken,
  invalidGrant,
  invalidRequest,
  slowDown,
} from '../../error/index.js';
import { sha256Key } from '../crypto/hash.js';
import { type DeviceRequests, isExpired } from '../device/device-requests.js';
import type { RefreshTokens } from '../tokens/refresh-tokens.js';
import type { UserTokens } from '../tokens/user-tokens.js';
import { issueFirstTokens } from './first-tokens.js';
import type { Grant, TokenEndpointResponse, TokenRequest } from './grant.js';

/** RFC 8628 §3.4–3.5 device access token request (polling). */
export class DeviceCodeGrant implements Grant {
  readonly grantType = DEVICE_CODE_GRANT_TYPE;
  readonly publicClients = true;
  readonly resourceIndicators = false;
  readonly metricLabel = 'device_code';

  constructor(
    private readonly requests: DeviceRequests,
    private readonly userTokens: UserTokens,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  async exchange(client: Client, request: TokenRequest): Promise<TokenEndpointResponse> {
    const deviceCode = request.param('device_code');
    if (!deviceCode) throw invalidRequest('device_code is required');
    const hash = sha256Key(deviceCode);
    const rec = await this.requests.find(hash);
    // Never issued, redeemed already, or expired so long ago that its record is gone (RFC 6749 §5.2).
    if (rec === undefined) throw invalidGrant('device code is unknown or was used already');
    if (rec.clientId !== client.clientId) throw invalidGrant('device code was issued to another client');
    // RFC 8628 §3.5: past its `expires_in` the device code is dead, whatever its status.
    if (isExpired(rec)) throw expiredToken('device code has expired');
    if (rec.status === 'denied') throw accessDenied('the user denied the request');
    if (rec.status === 'pending' || rec.approvedBy === undefined) {
      // RFC 8628 §3.5: slow_down asks the client to add 5 s to its interval.
      if (!(await this.requests.pollInTime(hash))) throw slowDown('polling too fast');
      throw authorizationPending('the user has not yet approved the request');
    }
    if (!(await this.requests.claimRedemption(hash, rec))) throw invalidGrant('device code already used');
    await this.requests.forget(hash);
    const grant = { ...rec.approvedBy, scope: rec.scope, nonce: undefined };
    // A random grant id: nothing ever needs to derive it again (the refresh record carries it).
    const grantId = randomUUID();
    return issueFirstTokens(this.userTokens, this.refreshTokens, client, grant, grantId);
  }
}
