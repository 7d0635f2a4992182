export {
  AuthorizationError,
  ConfigurationError,
  NetworkError,
  OAuth2Error,
  type OAuth2ErrorCode,
  type OAuth2ErrorOptions,
  ProtocolError,
  ProviderError,
  StorageError,
  TokenError,
} from './errors/index.js';
export type { EndpointKind, HttpRequest, HttpResponse, RetryPolicy, Transport } from './http/transport.js';
export type { TokenStorage } from './storage/token-storage.js';
export type { AccessToken, StoredTokens, TokenMetadata, TokenResponse } from './token/types.js';
