import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { verify as argonVerify } from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import { compactVerify, SignJWT } from 'jose';
import type { Client, User } from '../domain/index.js';
import { invalidClient, invalidRequest, OAuthError } from '../error/index.js';
import type { Store } from '../infra/store.js';
import { ClientRepo } from '../repo/clients.js';
import { grants, users } from '../repo/schema.js';
import { UserRepo } from '../repo/users.js';
import type { AppContext } from '../state/index.js';

/** Error shown as an HTML page: the client or redirect_uri could not be trusted, so never redirect. */
export class PageError extends Error {
  constructor(
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Error returned to the client's redirect_uri (RFC 6749 §4.1.2.1). */
export class RedirectError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface AuthRequest {
  client: Client;
  redirectUri: string;
  state: string | undefined;
  nonce: string | undefined;
  scopes: string[];
  codeChallenge: string | undefined;
  prompt: string[];
  maxAge: number | undefined;
  loginHint: string | undefined;
}

export interface Session {
  sid: string;
  userId: string;
  authTime: number;
}

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  scope: string;
  nonce: string | undefined;
  userId: string;
  authTime: number;
  sid: string;
}

interface RefreshRecord extends CodeRecord {
  family: string;
  absExp: number;
  jtis: string[];
  rotated?: boolean;
}

const PROMPTS = new Set(['none', 'login', 'consent']);
const LOOPBACK = new Set(['127.0.0.1', '[::1]']);
const USER_LOCK_AFTER = 5;
const IP_LOCK_AFTER = 20;
const LOCK_WINDOW_SECS = 15 * 60;
const SESSION_TTL_SECS = 12 * 3600;

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const now = () => Math.floor(Date.now() / 1000);

/** Exact redirect_uri match; loopback IP literals match on any port (RFC 8252 §7.3). */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  if (a.protocol !== 'http:' || !LOOPBACK.has(a.hostname)) return false;
  return (
    b.protocol === a.protocol &&
    b.hostname === a.hostname &&
    b.pathname === a.pathname &&
    b.search === a.search &&
    b.hash === '' &&
    b.username === '' &&
    b.password === ''
  );
}

/** Authorization endpoint, end-user sessions and the authorization_code grant. */
export class AuthorizeService {
  readonly #clients: ClientRepo;
  readonly #users: UserRepo;
  readonly #store: Store;
  readonly #secret: string;

  constructor(private readonly ctx: AppContext) {
    this.#clients = new ClientRepo(ctx.database.db);
    this.#users = new UserRepo(ctx.database.db);
    this.#store = ctx.store;
    this.#secret = ctx.config.security.jwt_secret;
  }

  get issuer(): string {
    return this.ctx.config.oauth.issuer;
  }

  codeTtlSecs = 60;

  /** Step 1: the client and redirect_uri; failures must not redirect. */
  async resolveClient(
    params: Record<string, string | undefined>,
  ): Promise<{ client: Client; redirectUri: string }> {
    const clientId = params['client_id'];
    if (!clientId) throw new PageError('Invalid request', 'The client_id parameter is missing.');
    const client = await this.#clients.find(clientId);
    if (!client)
      throw new PageError('Unknown application', 'The application making this request is not registered.');
    const redirectUri = params['redirect_uri'];
    if (!redirectUri) throw new PageError('Invalid request', 'The redirect_uri parameter is missing.');
    if (!client.redirectUris.some((r) => redirectUriMatches(r, redirectUri))) {
      throw new PageError('Invalid redirect', 'The redirect_uri is not registered for this application.');
    }
    return { client, redirectUri };
  }

  /** Step 2: everything else; failures are redirected to the client with error, state and iss. */
  validate(client: Client, redirectUri: string, params: Record<string, string | undefined>): AuthRequest {
    const p = (n: string) => params[n];
    if (p('response_type') !== 'code')
      throw new RedirectError('unsupported_response_type', 'response_type must be code');
    if (!client.grantTypes.includes('authorization_code')) {
      throw new RedirectError('unauthorized_client', 'client may not use the authorization_code grant');
    }
    const challenge = p('code_challenge');
    const method = p('code_challenge_method') ?? 'plain';
    const pkceRequired = client.tokenEndpointAuthMethod === 'none' || client.requirePkce;
    if (challenge === undefined) {
      if (pkceRequired) throw new RedirectError('invalid_request', 'code_challenge (PKCE S256) is required');
      if (p('code_challenge_method') !== undefined) {
        throw new RedirectError('invalid_request', 'code_challenge_method without code_challenge');
      }
    } else {
      if (method !== 'S256') throw new RedirectError('invalid_request', 'code_challenge_method must be S256');
      if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
        throw new RedirectError('invalid_request', 'malformed code_challenge');
    }
    const scopes = [...new Set((p('scope') ?? '').split(' ').filter((s) => s !== ''))];
    const supported = new Set([...this.ctx.config.oauth.scopes_supported, ...client.scopes]);
    const unknown = scopes.filter((s) => !supported.has(s));
    if (unknown.length > 0)
      throw new RedirectError('invalid_scope', `scope not allowed: ${unknown.join(' ')}`);
    const prompt = (p('prompt') ?? '').split(' ').filter((s) => s !== '');
    if (prompt.some((x) => !PROMPTS.has(x)))
      throw new RedirectError('invalid_request', 'unsupported prompt value');
    if (prompt.includes('none') && prompt.length > 1) {
      throw new RedirectError('invalid_request', 'prompt=none must be used alone');
    }
    let maxAge: number | undefined;
    const ma = p('max_age');
    if (ma !== undefined) {
      if (!/^\d+$/.test(ma))
        throw new RedirectError('invalid_request', 'max_age must be a non-negative integer');
      maxAge = Number(ma);
    }
    return {
      client,
      redirectUri,
      state: p('state'),
      nonce: p('nonce'),
      scopes,
      codeChallenge: challenge,
      prompt,
      maxAge,
      loginHint: p('login_hint'),
    };
  }

  /** Whether an existing session satisfies the request without a new login. */
  sessionSatisfies(req: AuthRequest, session: Session | undefined): session is Session {
    if (!session) return false;
    if (req.prompt.includes('login')) return false;
    if (req.maxAge !== undefined && now() - session.authTime > req.maxAge) return false;
    return true;
  }

  // --- CSRF -------------------------------------------------------------------------------------

  csrfFor(binding: string): string {
    return createHmac('sha256', this.#secret).update(`csrf:${binding}`).digest('base64url');
  }

  csrfValid(binding: string | undefined, token: string | undefined): boolean {
    if (!binding || !token) return false;
    const a = Buffer.from(this.csrfFor(binding));
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  // --- Login & sessions -------------------------------------------------------------------------

  /** argon2id check with per-username and per-IP failure counters and a lockout window. */
  async login(
    username: string,
    password: string,
    ip: string,
  ): Promise<{ ok: true; user: User } | { ok: false; locked: boolean }> {
    const uKey = `login-fail:u:${username.toLowerCase()}`;
    const ipKey = `login-fail:ip:${ip}`;
    const uFails = Number((await this.#store.get(uKey)) ?? 0);
    const ipFails = Number((await this.#store.get(ipKey)) ?? 0);
    if (uFails >= USER_LOCK_AFTER || ipFails >= IP_LOCK_AFTER) return { ok: false, locked: true };
    const user = await this.#users.findByUsername(username);
    let ok = false;
    if (user) {
      try {
        ok = await argonVerify(user.passwordHash, password);
      } catch {
        ok = false;
      }
    }
    if (!ok || !user) {
      await this.#store.set(uKey, String(uFails + 1), LOCK_WINDOW_SECS);
      await this.#store.set(ipKey, String(ipFails + 1), LOCK_WINDOW_SECS);
      return { ok: false, locked: false };
    }
    await this.#store.set(uKey, '0', 1);
    const { passwordHash: _h, ...rest } = user;
    return { ok: true, user: rest };
  }

  async createSession(userId: string): Promise<Session> {
    const session: Session = { sid: randomBytes(24).toString('base64url'), userId, authTime: now() };
    await this.#store.set(`session:${session.sid}`, JSON.stringify(session), SESSION_TTL_SECS);
    return session;
  }

  async getSession(sid: string | undefined): Promise<Session | undefined> {
    if (!sid) return undefined;
    const raw = await this.#store.get(`session:${sid}`);
    return raw ? (JSON.parse(raw) as Session) : undefined; // '' = ended
  }

  /** Consent is remembered per user + client + scopes; prompt=consent always asks again. */
  async needsConsent(req: AuthRequest, session: Session): Promise<boolean> {
    if (req.client.skipConsent) return false;
    if (req.prompt.includes('consent')) return true;
    if (req.scopes.length === 0) return false;
    const raw = await this.#store.get(`consent:${session.userId}:${req.client.clientId}`);
    const granted = new Set(raw ? raw.split(' ') : []);
    return !req.scopes.every((s) => granted.has(s));
  }

  async rememberConsent(req: AuthRequest, session: Session): Promise<void> {
    const key = `consent:${session.userId}:${req.client.clientId}`;
    const raw = await this.#store.get(key);
    const granted = new Set([...(raw ? raw.split(' ') : []), ...req.scopes]);
    await this.#store.set(key, [...granted].join(' '), 365 * 24 * 3600);
  }

  // --- Codes ------------------------------------------------------------------------------------

  async issueCode(req: AuthRequest, session: Session): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    const rec: CodeRecord = {
      clientId: req.client.clientId,
      redirectUri: req.redirectUri,
      codeChallenge: req.codeChallenge,
      scope: req.scopes.join(' '),
      nonce: req.nonce,
      userId: session.userId,
      authTime: session.authTime,
      sid: session.sid,
    };
    await this.#store.set(
      `code:${sha256(code).toString('base64url')}`,
      JSON.stringify(rec),
      this.codeTtlSecs,
    );
    return code;
  }

  /** Authenticates confidential clients as usual, public clients (`none`) by client_id only. */
  async authenticateClient(
    authorization: string | undefined,
    body: Record<string, unknown>,
  ): Promise<Client> {
    const id = body['client_id'];
    if (authorization === undefined && body['client_secret'] === undefined && typeof id === 'string') {
      const client = await this.#clients.find(id);
      if (client?.tokenEndpointAuthMethod !== 'none') {
        throw invalidClient('client authentication failed', false);
      }
      return client;
    }
    return this.ctx.clients.authenticate({ authorization, body });
  }

  /** RFC 6749 §4.1.3 + RFC 7636 §4.6; a replayed code revokes every token issued from it. */
  async exchangeCode(
    client: Client,
    code: string | undefined,
    redirectUri: string | undefined,
    verifier: string | undefined,
  ): Promise<Record<string, unknown>> {
    if (!client.grantTypes.includes('authorization_code')) {
      throw new OAuthError('unauthorized_client', 'client may not use the authorization_code grant');
    }
    if (!code) throw invalidRequest('code is required');
    const key = sha256(code).toString('base64url');
    const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);
    // The access token id and refresh family are derived from the code, so a replay can revoke them.
    const jti = createHmac('sha256', this.#secret).update(`jti:${key}`).digest('base64url');
    const family = `code-${key}`;
    const replay = async () => {
      await this.#store.set(`revoked:${jti}`, '1', this.ctx.config.oauth.access_token_ttl_secs + 5);
      await this.#store.set(`rt-family-revoked:${family}`, '1', this.ctx.config.oauth.refresh_token_ttl_secs);
      return invalidGrant('authorization code already used');
    };
    if ((await this.#store.get(`code-used:${key}`)) !== undefined) throw await replay();
    const raw = await this.#store.get(`code:${key}`);
    if (!raw) throw invalidGrant('authorization code is invalid or expired');
    const rec = JSON.parse(raw) as CodeRecord;
    if (rec.clientId !== client.clientId)
      throw invalidGrant('authorization code was issued to another client');
    if (redirectUri !== rec.redirectUri)
      throw invalidGrant('redirect_uri does not match the authorization request');
    if (rec.codeChallenge === undefined) {
      // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
      if (verifier !== undefined)
        throw invalidGrant('code_verifier sent for a code issued without code_challenge');
    } else {
      if (!verifier) throw invalidGrant('code_verifier is required');
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw invalidGrant('malformed code_verifier');
      if (sha256(verifier).toString('base64url') !== rec.codeChallenge)
        throw invalidGrant('PKCE verification failed');
    }
    // Atomic single use across nodes: the first to insert the claim row wins.
    if (!(await this.#claim(`code:${key}`, 'code_used', rec.clientId, rec.userId, now() + 10 * 60))) {
      throw await replay();
    }
    await this.#store.set(`code-used:${key}`, '1', 10 * 60);
    await this.#store.set(`code:${key}`, '', 1);
    const res = await this.#issueUserTokens(client, rec, jti, rec.scope);
    const scopes = rec.scope.split(' ');
    if (scopes.includes('offline_access') && client.grantTypes.includes('refresh_token')) {
      const absExp = now() + this.ctx.config.oauth.refresh_token_ttl_secs;
      res['refresh_token'] = await this.#newRefreshToken({ ...rec, family, absExp, jtis: [jti] });
    }
    return res;
  }

  /** Issues access/ID/refresh tokens for an approved grant other than a code (device flow). */
  async issueForGrant(
    client: Client,
    grant: Omit<CodeRecord, 'redirectUri' | 'codeChallenge' | 'clientId'>,
  ): Promise<Record<string, unknown>> {
    const jti = randomUUID();
    const res = await this.#issueUserTokens(client, grant, jti, grant.scope);
    if (grant.scope.split(' ').includes('offline_access') && client.grantTypes.includes('refresh_token')) {
      const absExp = now() + this.ctx.config.oauth.refresh_token_ttl_secs;
      res['refresh_token'] = await this.#newRefreshToken({
        ...grant,
        clientId: client.clientId,
        redirectUri: '',
        codeChallenge: undefined,
        family: randomUUID(),
        absExp,
        jtis: [jti],
      });
    }
    return res;
  }

  /** Inserts a marker row; false when it already exists (used by another request or node). */
  async #claim(
    id: string,
    kind: string,
    clientId: string,
    subject: string,
    expiresAt: number,
  ): Promise<boolean> {
    const rows = await this.ctx.database.db
      .insert(grants)
      .values({ id, kind, clientId, subject, scope: '', expiresAt })
      .onConflictDoNothing()
      .returning({ id: grants.id });
    return rows.length > 0;
  }

  async #newRefreshToken(rec: RefreshRecord): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.#store.set(
      `rt:${sha256(token).toString('base64url')}`,
      JSON.stringify(rec),
      rec.absExp - now(),
    );
    return token;
  }

  /** RFC 6749 §6 with rotation; a rotated token used again revokes its whole family (OAuth 2.1 §4.3.1). */
  async refresh(
    client: Client,
    token: string | undefined,
    scopeParam: string | undefined,
  ): Promise<Record<string, unknown>> {
    if (!client.grantTypes.includes('refresh_token')) {
      throw new OAuthError('unauthorized_client', 'client may not use the refresh_token grant');
    }
    if (!token) throw invalidRequest('refresh_token is required');
    const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);
    const key = `rt:${sha256(token).toString('base64url')}`;
    const raw = await this.#store.get(key);
    if (!raw) throw invalidGrant('refresh token is invalid or expired');
    const rec = JSON.parse(raw) as RefreshRecord;
    if (rec.clientId !== client.clientId) throw invalidGrant('refresh token was issued to another client');
    if ((await this.#store.get(`rt-family-revoked:${rec.family}`)) !== undefined) {
      throw invalidGrant('refresh token has been revoked');
    }
    if (rec.rotated) {
      await this.#revokeFamily(rec);
      throw invalidGrant('refresh token was already used; the grant has been revoked');
    }
    if (rec.absExp <= now()) throw invalidGrant('refresh token is expired');
    const granted = rec.scope.split(' ').filter((s) => s !== '');
    let scope = rec.scope;
    if (scopeParam !== undefined) {
      const asked = [...new Set(scopeParam.split(' ').filter((s) => s !== ''))];
      const wider = asked.filter((s) => !granted.includes(s));
      if (wider.length > 0)
        throw new OAuthError('invalid_scope', `scope exceeds the original grant: ${wider.join(' ')}`);
      scope = asked.join(' ');
    }
    await this.#store.set(key, JSON.stringify({ ...rec, rotated: true }), Math.max(1, rec.absExp - now()));
    if (!(await this.#claim(key, 'refresh_used', rec.clientId, rec.userId, rec.absExp))) {
      await this.#revokeFamily(rec);
      throw invalidGrant('refresh token was already used; the grant has been revoked');
    }
    const jti = randomUUID();
    const res = await this.#issueUserTokens(client, { ...rec, nonce: undefined }, jti, scope);
    rec.jtis.push(jti);
    await this.#store.set(
      `rt-family-jtis:${rec.family}`,
      JSON.stringify(rec.jtis.slice(-20)),
      Math.max(1, rec.absExp - now()),
    );
    res['refresh_token'] = await this.#newRefreshToken({ ...rec, rotated: false });
    return res;
  }

  async #revokeFamily(rec: RefreshRecord): Promise<void> {
    const ttl = Math.max(1, rec.absExp - now());
    await this.#store.set(`rt-family-revoked:${rec.family}`, '1', ttl);
    const latest = await this.#store.get(`rt-family-jtis:${rec.family}`);
    const jtis = new Set([...rec.jtis, ...(latest ? (JSON.parse(latest) as string[]) : [])]);
    for (const jti of jtis) {
      await this.#store.set(`revoked:${jti}`, '1', this.ctx.config.oauth.access_token_ttl_secs + 5);
    }
  }

  async #issueUserTokens(
    client: Client,
    grant: Omit<CodeRecord, 'redirectUri' | 'codeChallenge' | 'clientId'>,
    jti: string,
    scope: string,
  ): Promise<Record<string, unknown>> {
    const rec = { ...grant, scope };
    const key = this.ctx.keys.active();
    const ttl = this.ctx.config.oauth.access_token_ttl_secs;
    const iat = now();
    const accessToken = await new SignJWT({
      client_id: client.clientId,
      ...(rec.scope !== '' ? { scope: rec.scope } : {}),
      jti,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
      .setIssuer(this.issuer)
      .setSubject(rec.userId)
      .setAudience(this.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(key.privateKey);
    const res: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      ...(rec.scope !== '' ? { scope: rec.scope } : {}),
    };
    if (rec.scope.split(' ').includes('openid')) {
      const atHash = sha256(accessToken).subarray(0, 16).toString('base64url');
      res['id_token'] = await new SignJWT({
        auth_time: rec.authTime,
        ...(rec.nonce !== undefined ? { nonce: rec.nonce } : {}),
        at_hash: atHash,
        sid: rec.sid,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid })
        .setIssuer(this.issuer)
        .setSubject(rec.userId)
        .setAudience(client.clientId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .sign(key.privateKey);
    }
    return res;
  }
}

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const DEVICE_TTL_SECS = 600;
const DEVICE_INTERVAL_SECS = 5;

interface DeviceRecord {
  clientId: string;
  scope: string;
  status: 'pending' | 'approved' | 'denied';
  lastPoll: number;
  userId?: string;
  authTime?: number;
  sid?: string;
}

export const normalizeUserCode = (c: string) => c.toUpperCase().replace(/[^A-Z]/g, '');

/** RFC 8628 device authorization grant. */
export class DeviceService {
  constructor(
    private readonly ctx: AppContext,
    private readonly authz: AuthorizeService,
  ) {}

  async start(client: Client, scopeParam: string | undefined): Promise<Record<string, unknown>> {
    if (!client.grantTypes.includes(DEVICE_GRANT)) {
      throw new OAuthError('unauthorized_client', 'client may not use the device authorization grant');
    }
    const scopes = [...new Set((scopeParam ?? '').split(' ').filter((x) => x !== ''))];
    const supported = new Set([...this.ctx.config.oauth.scopes_supported, ...client.scopes]);
    const unknown = scopes.filter((x) => !supported.has(x));
    if (unknown.length > 0) throw new OAuthError('invalid_scope', `scope not allowed: ${unknown.join(' ')}`);
    const deviceCode = randomBytes(32).toString('base64url');
    const bytes = randomBytes(8);
    const raw = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]).join('');
    const userCode = `${raw.slice(0, 4)}-${raw.slice(4)}`;
    const key = sha256(deviceCode).toString('base64url');
    const rec: DeviceRecord = {
      clientId: client.clientId,
      scope: scopes.join(' '),
      status: 'pending',
      lastPoll: 0,
    };
    await this.ctx.store.set(`device:${key}`, JSON.stringify(rec), DEVICE_TTL_SECS);
    await this.ctx.store.set(`usercode:${raw}`, key, DEVICE_TTL_SECS);
    const verificationUri = `${this.ctx.config.oauth.issuer}/api/oauth/device`;
    return {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
      expires_in: DEVICE_TTL_SECS,
      interval: DEVICE_INTERVAL_SECS,
    };
  }

  /** The user approves or denies a user code; false when the code is unknown or already used. */
  async decide(userCode: string, session: Session, approve: boolean): Promise<boolean> {
    const raw = normalizeUserCode(userCode);
    const key = await this.ctx.store.get(`usercode:${raw}`);
    if (!key) return false;
    const recRaw = await this.ctx.store.get(`device:${key}`);
    if (!recRaw) return false;
    const rec = JSON.parse(recRaw) as DeviceRecord;
    if (rec.status !== 'pending') return false;
    const next: DeviceRecord = approve
      ? { ...rec, status: 'approved', userId: session.userId, authTime: session.authTime, sid: session.sid }
      : { ...rec, status: 'denied' };
    await this.ctx.store.set(`device:${key}`, JSON.stringify(next), DEVICE_TTL_SECS);
    await this.ctx.store.set(`usercode:${raw}`, '', 1);
    return true;
  }

  async clientName(userCode: string): Promise<string | undefined> {
    const key = await this.ctx.store.get(`usercode:${normalizeUserCode(userCode)}`);
    if (!key) return undefined;
    const recRaw = await this.ctx.store.get(`device:${key}`);
    return recRaw ? (JSON.parse(recRaw) as DeviceRecord).clientId : undefined;
  }

  /** RFC 8628 §3.4/3.5 token request. */
  async exchange(client: Client, deviceCode: string | undefined): Promise<Record<string, unknown>> {
    if (!client.grantTypes.includes(DEVICE_GRANT)) {
      throw new OAuthError('unauthorized_client', 'client may not use the device authorization grant');
    }
    if (!deviceCode) throw invalidRequest('device_code is required');
    const key = `device:${sha256(deviceCode).toString('base64url')}`;
    const raw = await this.ctx.store.get(key);
    if (!raw) throw new OAuthError('expired_token', 'device code is expired or unknown');
    const rec = JSON.parse(raw) as DeviceRecord;
    if (rec.clientId !== client.clientId)
      throw new OAuthError('invalid_grant', 'device code was issued to another client');
    if (rec.status === 'denied') {
      await this.ctx.store.set(key, '', 1);
      throw new OAuthError('access_denied', 'the user denied the request');
    }
    if (rec.status === 'pending') {
      const t = now();
      const tooFast = t - rec.lastPoll < DEVICE_INTERVAL_SECS;
      await this.ctx.store.set(key, JSON.stringify({ ...rec, lastPoll: t }), DEVICE_TTL_SECS);
      if (tooFast) throw new OAuthError('slow_down', 'polling too fast');
      throw new OAuthError('authorization_pending', 'the user has not yet approved the request');
    }
    await this.ctx.store.set(key, '', 1);
    return this.authz.issueForGrant(client, {
      scope: rec.scope,
      nonce: undefined,
      userId: rec.userId ?? '',
      authTime: rec.authTime ?? now(),
      sid: rec.sid ?? '',
    });
  }
}

const devices = new WeakMap<AppContext, DeviceService>();

export function deviceService(ctx: AppContext): DeviceService {
  let s = devices.get(ctx);
  if (!s) {
    s = new DeviceService(ctx, authorizeService(ctx));
    devices.set(ctx, s);
  }
  return s;
}

export type UserinfoResult =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; error: 'invalid_token' | 'insufficient_scope' };

export class EndUserService {
  constructor(private readonly ctx: AppContext) {}

  /** OIDC Core §5.3: claims by scope for a live, unrevoked user access token carrying openid. */
  async userinfo(token: string | undefined): Promise<UserinfoResult> {
    if (!token) return { ok: false, error: 'invalid_token' };
    const claims = await this.ctx.tokens.verify(token);
    if (!claims || typeof claims.jti !== 'string') return { ok: false, error: 'invalid_token' };
    if ((await this.ctx.store.get(`revoked:${claims.jti}`)) !== undefined)
      return { ok: false, error: 'invalid_token' };
    const scopes = (claims.scope ?? '').split(' ');
    if (!scopes.includes('openid')) return { ok: false, error: 'insufficient_scope' };
    const rows = await this.ctx.database.db.select().from(users).where(eq(users.id, claims.sub)).limit(1);
    const user = rows[0];
    if (!user) return { ok: false, error: 'invalid_token' };
    const out: Record<string, unknown> = { sub: user.id };
    if (scopes.includes('profile')) {
      out['preferred_username'] = user.username;
      if (user.name !== null) out['name'] = user.name;
    }
    if (scopes.includes('email') && user.email !== null) {
      out['email'] = user.email;
      out['email_verified'] = false;
    }
    return { ok: true, claims: out };
  }

  /** Verifies an id_token_hint's signature and issuer; expiry is ignored (OIDC RP-Initiated Logout §2). */
  async idTokenHint(
    token: string,
  ): Promise<{ aud: string; sub: string; sid: string | undefined } | undefined> {
    try {
      const { payload, protectedHeader } = await compactVerify(token, this.ctx.keys.verifier());
      if (protectedHeader.alg !== 'ES256') return undefined;
      const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
      if (claims['iss'] !== this.ctx.config.oauth.issuer) return undefined;
      const aud = Array.isArray(claims['aud']) ? claims['aud'][0] : claims['aud'];
      if (typeof aud !== 'string' || typeof claims['sub'] !== 'string') return undefined;
      return { aud, sub: claims['sub'], sid: typeof claims['sid'] === 'string' ? claims['sid'] : undefined };
    } catch {
      return undefined;
    }
  }

  /** post_logout_redirect_uri must exactly equal one of the client's registered redirect URIs. */
  async logoutRedirectAllowed(clientId: string, uri: string): Promise<boolean> {
    const client = await new ClientRepo(this.ctx.database.db).find(clientId);
    return client?.redirectUris.includes(uri) ?? false;
  }

  async endSession(sid: string | undefined): Promise<void> {
    if (sid) await this.ctx.store.set(`session:${sid}`, '', 1);
  }
}

const endUser = new WeakMap<AppContext, EndUserService>();

export function endUserService(ctx: AppContext): EndUserService {
  let s = endUser.get(ctx);
  if (!s) {
    s = new EndUserService(ctx);
    endUser.set(ctx, s);
  }
  return s;
}

const services = new WeakMap<AppContext, AuthorizeService>();

/** One AuthorizeService per application context. */
export function authorizeService(ctx: AppContext): AuthorizeService {
  let s = services.get(ctx);
  if (!s) {
    s = new AuthorizeService(ctx);
    services.set(ctx, s);
  }
  return s;
}
