import type { Client } from '../../domain/index.js';
import { invalidTarget, unauthorizedClient, unsupportedGrantType } from '../../error/index.js';
import type { Grant } from './grant.js';

/**
 * The grants of the token endpoint, by `grant_type`. Adding a grant is one file implementing {@link Grant}
 * and one entry where the registry is built (app/services.ts).
 */
export class GrantRegistry {
  readonly #byType: ReadonlyMap<string, Grant>;

  constructor(grants: readonly Grant[]) {
    this.#byType = new Map(grants.map((g) => [g.grantType, g]));
  }

  /** The `grant_types_supported` of the metadata (RFC 8414 §2). */
  get grantTypes(): string[] {
    return [...this.#byType.keys()];
  }

  /**
   * The grant for a `grant_type`; `unsupported_grant_type` for one we do not support, for every client (RFC
   * 6749 §5.2), checked before the client authenticates.
   */
  find(grantType: string): Grant {
    const grant = this.#byType.get(grantType);
    if (grant === undefined) throw unsupportedGrantType(`unsupported grant_type: ${grantType}`);
    return grant;
  }
}

/**
 * What every grant requires before it runs: no `resource` where the grant does not honour it (RFC 8707 §2:
 * `invalid_target` rather than a token for another audience than the one asked for), and a client registered
 * for the grant type (RFC 6749 §5.2 `unauthorized_client`).
 */
export function checkGrantAllowed(grant: Grant, client: Client, resources: readonly string[]): void {
  if (!grant.resourceIndicators && resources.length > 0) {
    throw invalidTarget(`resource is not supported with the ${grant.grantType} grant`);
  }
  if (!client.grantTypes.includes(grant.grantType)) {
    throw unauthorizedClient(`client may not use the ${grant.grantType} grant`);
  }
}
