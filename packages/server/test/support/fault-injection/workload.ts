import { createHash, randomBytes } from 'node:crypto';
import { HttpUserAgent } from '../../../../../examples/support/http-user-agent.js';
import { basic } from '../http.js';
import type { ExchangeLog } from './exchanges.js';

/** The clients and users the nodes are configured with (`gatehouse.yaml`), and what the workload does. */
export const REDIRECT_URI = 'https://app.example.test/callback';
export const WEB = { id: 'fi-web', secret: 'fi-web-secret-0123456789abcdefghijklmn' };
export const SERVICE = { id: 'fi-svc', secret: 'fi-svc-secret-0123456789abcdefghijklmn' };
export const USERS = [0, 1].map((i) => ({ username: `fi-user-${i}`, password: `fi-password-${i}` }));

/** Something that happened to one request or pair: when it was sent (ms since the start) and what. */
export interface Incident {
  at: number;
  what: string;
}

/** What the workload saw, beyond the log of every request. */
export interface Tally {
  /**
   * What each successful answer handed out, per code and per refresh token presented: the refresh token
   * issued. A code may be redeemed once; a refresh token may be rotated to one successor only (a server may
   * hand the same successor out again, to a retry whose first answer was lost).
   */
  codeSuccesses: Map<string, string[]>;
  refreshSuccesses: Map<string, string[]>;
  /** Refresh-token families lost because a rotation's answer never reached the client (its retry was reuse). */
  lostFamilies: Incident[];
  /** Codes spent whose tokens never reached the client (the retry was refused). */
  lostCodes: Incident[];
  /** Refresh tokens refused the first time the client sent them: the client did nothing wrong. */
  refusedFresh: Incident[];
  /** Client-credentials tokens introspected right after they were issued and found inactive. */
  inactiveFresh: Incident[];
  /** The same code or refresh token sent twice at once, answered other than 200 + 400. */
  unusualPairs: Incident[];
  /** Flows by outcome: `completed`, or what stopped them (a status, `no answer`). */
  flows: Map<string, number>;
}

/** A request's outcome as the client knows it: when it was sent, the answer or none (`body` then empty). */
type Outcome = { at: number; status: number | 'no answer'; body: Record<string, unknown> };
const show = (o: Outcome) =>
  `${o.status}${typeof o.body['error'] === 'string' ? ` ${o.body['error']}` : ''} (sent at ${o.at} ms)`;
/** An outcome that leaves the client not knowing whether the request took effect. */
const unknown = (o: Outcome) => o.status === 'no answer' || o.status >= 500;

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a client waits before retrying an unknown outcome: Retry-After, at most a second here. */
const RETRY_PAUSE_MS = 500;
const RETRIES = 10;

/**
 * A mixed workload through the balancer, as clients would send it: client credentials and introspection;
 * sign-ins through the login and consent pages; code redemption (sometimes twice at once); refresh-token
 * rotation (sometimes the same token twice at once). A request whose outcome is unknown (503, no answer) is
 * retried the way a client would, which is how a lost answer shows up (the retry is refused as reuse).
 */
export class Workload {
  readonly tally: Tally = {
    codeSuccesses: new Map(),
    refreshSuccesses: new Map(),
    lostFamilies: [],
    lostCodes: [],
    refusedFresh: [],
    inactiveFresh: [],
    unusualPairs: [],
    flows: new Map(),
  };
  #users = 0;

  constructor(
    private readonly issuer: string,
    private readonly log: ExchangeLog,
  ) {}

  /** `workers` loops of mixed flows until `stop()` is true or `maxFlows` flows have been started. */
  async run(workers: number, maxFlows: number, stop: () => boolean): Promise<void> {
    const flows = [
      () => this.clientCredentials(),
      () => this.signInAndRefresh(3),
      () => this.clientCredentials(),
      () => this.signInAndRedeemTwice(),
      () => this.signInAndRefreshTwiceAtOnce(),
    ];
    let started = 0;
    const loop = async () => {
      while (!stop() && started < maxFlows) {
        const flow = flows[started++ % flows.length] as () => Promise<string>;
        const outcome = await flow().catch((err: unknown) => `threw ${String(err)}`);
        this.tally.flows.set(outcome, (this.tally.flows.get(outcome) ?? 0) + 1);
        await sleep(100);
      }
    };
    await Promise.all(Array.from({ length: workers }, loop));
  }

  async clientCredentials(): Promise<string> {
    const minted = await this.post('/api/oauth/token', { grant_type: 'client_credentials' }, SERVICE);
    if (minted.status !== 200) return `token ${minted.status}`;
    const token = String(minted.body['access_token']);
    const introspected = await this.post('/api/oauth/introspect', { token }, SERVICE);
    if (introspected.status !== 200) return `introspection ${introspected.status}`;
    if (introspected.body['active'] !== true) {
      this.tally.inactiveFresh.push({ at: minted.at, what: `introspection ${show(introspected)}` });
    }
    return 'completed';
  }

  /** Signs in, redeems the code, rotates the refresh token `rotations` times; 'completed' if all worked. */
  async signInAndRefresh(rotations: number): Promise<string> {
    const signedIn = await this.signIn();
    if (typeof signedIn === 'string') return signedIn;
    const tokens = await this.redeemOnce(signedIn.code, signedIn.verifier);
    if (typeof tokens === 'string') return tokens;
    let refreshToken = tokens.refreshToken;
    for (let i = 0; i < rotations; i++) {
      const rotated = await this.rotateOnce(refreshToken);
      if (typeof rotated === 'string') return rotated;
      refreshToken = rotated.refreshToken;
    }
    return 'completed';
  }

  /** The same code sent twice at once: at most one redemption may succeed. */
  async signInAndRedeemTwice(): Promise<string> {
    const signedIn = await this.signIn();
    if (typeof signedIn === 'string') return signedIn;
    const [a, b] = await Promise.all([
      this.redeem(signedIn.code, signedIn.verifier),
      this.redeem(signedIn.code, signedIn.verifier),
    ]);
    return this.pair('code', a, b);
  }

  /** The same refresh token sent twice at once: at most one rotation may succeed. */
  async signInAndRefreshTwiceAtOnce(): Promise<string> {
    const signedIn = await this.signIn();
    if (typeof signedIn === 'string') return signedIn;
    const tokens = await this.redeemOnce(signedIn.code, signedIn.verifier);
    if (typeof tokens === 'string') return tokens;
    const [a, b] = await Promise.all([this.rotate(tokens.refreshToken), this.rotate(tokens.refreshToken)]);
    return this.pair('refresh', a, b);
  }

  private pair(what: 'code' | 'refresh', a: Outcome, b: Outcome): string {
    const statuses = [a.status, b.status].sort().join('+');
    if (statuses !== '200+400')
      this.tally.unusualPairs.push({ at: a.at, what: `${what}: ${show(a)} + ${show(b)}` });
    return `${what} twice at once: ${statuses}`;
  }

  /** A person signing in through the pages of a new browser: the code and its PKCE verifier, or why not. */
  async signIn(): Promise<{ code: string; verifier: string } | string> {
    const user = USERS[this.#users++ % USERS.length] as (typeof USERS)[number];
    const { verifier, challenge } = pkce();
    const authorize = new URL('/api/oauth/authorize', this.issuer);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: WEB.id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access',
      state: randomBytes(8).toString('base64url'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    try {
      const walk = await new HttpUserAgent(this.log.fetch).walk(authorize, {
        credentials: user,
        consent: 'approve',
        stopAt: (url) => url.href.startsWith(`${REDIRECT_URI}?`),
      });
      const code = walk.page.status === 0 ? walk.page.url.searchParams.get('code') : null;
      return code ? { code, verifier } : `sign-in ${walk.page.status} (${walk.submitted.join(',')})`;
    } catch {
      return 'sign-in no answer';
    }
  }

  redeem(code: string, verifier: string): Promise<Outcome> {
    return this.count(
      this.tally.codeSuccesses,
      code,
      this.post('/api/oauth/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }),
    );
  }

  rotate(refreshToken: string): Promise<Outcome> {
    return this.count(
      this.tally.refreshSuccesses,
      refreshToken,
      this.post('/api/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken }),
    );
  }

  /** Redeems a code, retrying an unknown outcome: the refresh token, or why not. */
  async redeemOnce(code: string, verifier: string): Promise<{ refreshToken: string } | string> {
    const { first, outcome } = await this.retrying(() => this.redeem(code, verifier));
    if (outcome.status === 200) return { refreshToken: String(outcome.body['refresh_token']) };
    if (outcome.status === 400 && outcome !== first) {
      this.tally.lostCodes.push({ at: first.at, what: `${show(first)}, retried: ${show(outcome)}` });
    }
    return `code ${outcome.status}${outcome !== first ? ' after retries' : ''}`;
  }

  /** Rotates a refresh token, retrying an unknown outcome: the new refresh token, or why not. */
  async rotateOnce(refreshToken: string): Promise<{ refreshToken: string } | string> {
    const { first, outcome } = await this.retrying(() => this.rotate(refreshToken));
    if (outcome.status === 200) return { refreshToken: String(outcome.body['refresh_token']) };
    if (outcome.status === 400) {
      const what = `${show(first)}${outcome !== first ? `, retried: ${show(outcome)}` : ''}`;
      (outcome !== first ? this.tally.lostFamilies : this.tally.refusedFresh).push({ at: first.at, what });
    }
    return `refresh ${outcome.status}${outcome !== first ? ' after retries' : ''}`;
  }

  /** Sends, and sends again after a pause while the outcome is unknown (503, no answer), a few times. */
  private async retrying(send: () => Promise<Outcome>): Promise<{ first: Outcome; outcome: Outcome }> {
    const first = await send();
    let outcome = first;
    for (let i = 0; i < RETRIES && unknown(outcome); i++) {
      await sleep(RETRY_PAUSE_MS);
      outcome = await send();
    }
    return { first, outcome };
  }

  private async count(successes: Map<string, string[]>, key: string, sent: Promise<Outcome>) {
    const outcome = await sent;
    if (outcome.status === 200) {
      successes.set(key, [...(successes.get(key) ?? []), String(outcome.body['refresh_token'])]);
    }
    return outcome;
  }

  /** POSTs a form as a confidential client (client_secret_basic; the web client by default). */
  async post(path: string, form: Record<string, string>, client = WEB): Promise<Outcome> {
    const at = this.log.now();
    try {
      const res = await this.log.fetch(new URL(path, this.issuer), {
        method: 'POST',
        headers: {
          authorization: basic(client.id, client.secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
      });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        body = { text: text.slice(0, 200) };
      }
      return { at, status: res.status, body };
    } catch {
      return { at, status: 'no answer', body: {} };
    }
  }
}
