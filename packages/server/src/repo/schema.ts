import { bigint, boolean, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const clients = pgTable('clients', {
  clientId: text('client_id').primaryKey(),
  secretHash: text('secret_hash'),
  tokenEndpointAuthMethod: text('token_endpoint_auth_method').notNull(),
  grantTypes: jsonb('grant_types').$type<string[]>().notNull(),
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  redirectUris: jsonb('redirect_uris').$type<string[]>().notNull(),
  requirePkce: boolean('require_pkce').notNull().default(true),
  skipConsent: boolean('skip_consent').notNull().default(false),
  clientName: text('client_name'),
  postLogoutRedirectUris: jsonb('post_logout_redirect_uris').$type<string[]>().notNull().default([]),
  jwks: jsonb('jwks').$type<{ keys: Record<string, unknown>[] }>(),
  jwksUri: text('jwks_uri'),
  resources: jsonb('resources').$type<string[]>().notNull().default([]),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  email: text('email'),
  name: text('name'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  /** AES-256-GCM ciphertext of the private JWK: base64url(iv).base64url(tag).base64url(ciphertext). */
  privateJwkEncrypted: text('private_jwk_encrypted').notNull(),
  status: text('status').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** When the key stopped signing; it is published until every token it signed has expired. */
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/** What a user approved for a client (remembered consent, OIDC Core §3.1.2.4): the union of granted scopes. */
export const consents = pgTable(
  'consents',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.clientId, { onDelete: 'cascade' }),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.clientId] })],
);

/**
 * Refresh tokens (OAuth 2.1 §4.3), stored by the SHA-256 of the token, never the token. Durable state: they
 * live for weeks, so they belong with the users and clients, not in Redis or the in-process store (which a
 * restart, a flush or memory pressure may empty). A rotated token stays until its family expires, so that its
 * reuse is recognised (RFC 9700 §4.14.2); expired rows are purged.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    /** The grant id: every token rotated from one grant, and the `grant_id` of every access token it issued. */
    family: text('family').notNull(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.clientId, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    scope: text('scope').notNull(),
    /** When the user signed in (seconds), for the refreshed ID token's `auth_time`. */
    authTime: bigint('auth_time', { mode: 'number' }).notNull(),
    /** The sign-in session, for the refreshed ID token's `sid`. */
    sid: text('sid').notNull(),
    /** The family's absolute expiry: rotation never extends it. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('refresh_tokens_family_idx').on(t.family),
    index('refresh_tokens_expires_at_idx').on(t.expiresAt),
  ],
);
