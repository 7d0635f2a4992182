/** RFC 6749 §5.2 error raised by services and rendered by the web layer. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly code: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${description}`);
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (d: string) => new OAuthError('invalid_request', d);
export const invalidScope = (d: string) => new OAuthError('invalid_scope', d);
export const unsupportedGrantType = (d: string) => new OAuthError('unsupported_grant_type', d);
export const unauthorizedClient = (d: string) => new OAuthError('unauthorized_client', d);
export const invalidClient = (d: string, basic: boolean) =>
  new OAuthError(
    'invalid_client',
    d,
    401,
    basic ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' } : {},
  );
