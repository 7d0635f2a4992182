/**
 * Plays a person in a web browser, over plain HTTP: a cookie jar, redirects followed one at a time, and
 * Gatehouse's login and consent forms filled in and submitted. Used by the tests that drive the sign-in
 * example and by the end-to-end tests of `@gatehouse/client` against `@gatehouse/server`, so that the
 * end user's part of the authorization code flow runs through the real pages (CSRF token, cookies).
 */

/** A page the user agent ended on. */
export interface Page {
  url: URL;
  status: number;
  body: string;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface WalkOptions {
  /** Filled into a login form (a page with a `password` field); without them a login page ends the walk. */
  credentials?: Credentials;
  /** The answer on a consent page (`consent=approve|deny`); without it a consent page ends the walk. */
  consent?: 'approve' | 'deny';
  /** Stop before requesting a URL for which this returns true (e.g. a redirect to an app's callback). */
  stopAt?: (url: URL) => boolean;
}

/** What happened along the way, so tests can say which pages the user saw. */
export interface Walk {
  /** The final page, or the URL the walk stopped at (`status` 0, empty body) when `stopAt` matched. */
  page: Page;
  /** Which Gatehouse forms were submitted, in order. */
  submitted: ('login' | 'consent')[];
}

const MAX_STEPS = 20;

/** Hidden `<input>` fields of a page, HTML entities (`&#NN;`, `&amp;` …) decoded. */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[decode(m[1] ?? '')] = decode(m[2] ?? '');
  }
  return out;
}

function decode(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The `action` of the first POST form of a page, resolved against the page URL. */
function formAction(page: Page): URL | undefined {
  const m = /<form method="post" action="([^"]*)"/.exec(page.body);
  return m ? new URL(decode(m[1] ?? ''), page.url) : undefined;
}

export class HttpUserAgent {
  /** Cookies per host name. Like a browser, the port is not part of a cookie's scope (RFC 6265 §8.5). */
  readonly #jar = new Map<string, Map<string, string>>();

  /** How requests go out (a test may record or time them); the global `fetch` by default. */
  readonly #send: typeof fetch;

  constructor(send: typeof fetch = fetch) {
    this.#send = send;
  }

  /** The cookies this user agent holds for a host (for assertions, e.g. that a session cookie is gone). */
  cookies(hostname: string): ReadonlyMap<string, string> {
    return this.#jar.get(hostname) ?? new Map();
  }

  /** One request, redirects not followed. */
  async request(method: 'GET' | 'POST', url: URL | string, form?: Record<string, string>): Promise<Response> {
    const target = new URL(url);
    const cookie = [...(this.#jar.get(target.hostname) ?? new Map<string, string>())]
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const headers: Record<string, string> = {};
    if (cookie !== '') headers['cookie'] = cookie;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await this.#send(target, {
      method,
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    this.#store(target.hostname, res.headers.getSetCookie());
    return res;
  }

  /**
   * Opens `url` and keeps going as a person would: follows redirects, signs in on a login page, answers
   * a consent page, until a page that asks for nothing more (or an error page), or until `stopAt`.
   */
  async walk(url: URL | string, options: WalkOptions = {}): Promise<Walk> {
    const submitted: Walk['submitted'] = [];
    let next: { method: 'GET' | 'POST'; url: URL; form?: Record<string, string> } = {
      method: 'GET',
      url: new URL(url),
    };
    for (let step = 0; step < MAX_STEPS; step++) {
      if (options.stopAt?.(next.url)) {
        return { page: { url: next.url, status: 0, body: '' }, submitted };
      }
      const res = await this.request(next.method, next.url, next.form);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location !== null) {
        await res.body?.cancel();
        next = { method: 'GET', url: new URL(location, next.url) };
        continue;
      }
      const page: Page = { url: next.url, status: res.status, body: await res.text() };
      if (res.status !== 200) return { page, submitted };
      const action = formAction(page);
      if (action && page.body.includes('name="password"') && options.credentials) {
        submitted.push('login');
        next = { method: 'POST', url: action, form: { ...hiddenFields(page.body), ...options.credentials } };
        continue;
      }
      if (action && page.body.includes('name="consent"') && !page.body.includes('name="user_code"')) {
        if (!options.consent) return { page, submitted };
        submitted.push('consent');
        next = {
          method: 'POST',
          url: action,
          form: { ...hiddenFields(page.body), consent: options.consent },
        };
        continue;
      }
      return { page, submitted };
    }
    throw new Error(`more than ${MAX_STEPS} steps without reaching a page`);
  }

  #store(hostname: string, setCookies: string[]): void {
    let jar = this.#jar.get(hostname);
    if (!jar) {
      jar = new Map();
      this.#jar.set(hostname, jar);
    }
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}
