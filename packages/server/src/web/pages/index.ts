/** Small server-rendered pages: no external assets, inline CSS only, accessible labels. */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

// One small stylesheet, inline because PAGE_CSP allows inline styles and nothing else (no CDN, no files to
// serve). Colours pass WCAG AA contrast in both schemes; touch targets are at least 44 px (WCAG 2.5.5).
const CSS = `:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--fg:#1b1f24;--muted:#57606a;--line:#767676;--accent:#0b5cad;--on-accent:#fff;--quiet:#e8eaed;--err:#a00;--err-bg:#fdecec;--focus:#f2b600}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1c2128;--fg:#e6edf3;--muted:#9da7b3;--line:#8b949e;--accent:#4493f8;--on-accent:#0d1117;--quiet:#30363d;--err:#ffa198;--err-bg:#3b1d1d}}
*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
main{max-width:26rem;margin:3rem auto;padding:1.5rem 1.75rem 1.75rem;background:var(--card);border-radius:10px;box-shadow:0 1px 3px #0003}
.brand{margin:0 0 1rem;font-size:.85rem;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 .5rem}p{margin:.5rem 0}.hint{color:var(--muted);font-size:.9rem}
label{display:block;margin-top:1rem;font-weight:600}
input[type=text],input[type=password]{display:block;width:100%;min-height:2.75rem;margin-top:.25rem;padding:.5rem .65rem;font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:6px}
#user_code,.code{font-family:ui-monospace,monospace;font-size:1.2rem;letter-spacing:.12em}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
button{min-height:2.75rem;padding:.5rem 1.4rem;font:inherit;font-weight:600;border:1px solid transparent;border-radius:6px;background:var(--accent);color:var(--on-accent);cursor:pointer}
button.secondary{background:var(--quiet);color:var(--fg);border-color:var(--line)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.error{color:var(--err);background:var(--err-bg);padding:.5rem .75rem;border-radius:6px}ul{padding-left:1.25rem;margin:.5rem 0}li{margin:.25rem 0}
@media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none;min-height:100vh;padding:1.25rem}.actions button{flex:1 1 8rem}}`;

/** The headers of every page: HTML, its CSP, never framed (clickjacking), never cached, no referrer. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
} as const;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><link rel="icon" href="data:,"><style>${CSS}</style></head><body><main><p class="brand">Gatehouse</p>${body}</main></body></html>`;
}

const hidden = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');

/** The error line of a form page, when there is one. */
const alert = (error: string | undefined) => (error ? `<p class="error" role="alert">${esc(error)}</p>` : '');

/** A POST form's opening tag and its CSRF field. */
const postForm = (action: string, csrf: string) =>
  `<form method="post" action="${esc(action)}"><input type="hidden" name="csrf_token" value="${esc(csrf)}">`;

/** What every form page takes: where it posts, its CSRF token, and the error to show, if any. */
interface FormPageOptions {
  action: string;
  csrf: string;
  error?: string | undefined;
}

export function errorPage(title: string, detail: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p role="alert">${esc(detail)}</p>`);
}

/** What a browser is shown for an address that leads nowhere. */
export function notFoundPage(): string {
  return errorPage(
    'Page not found',
    'There is nothing at this address. Check the link or start again from the application.',
  );
}

/** A plain outcome message (signed out, device connected): a status, not an alert. */
export function messagePage(title: string, detail: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p role="status">${esc(detail)}</p>`);
}

export function loginPage(
  opts: FormPageOptions & {
    clientName: string;
    fields: Record<string, string>;
    username?: string | undefined;
  },
): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1><p>to continue to <strong>${esc(opts.clientName)}</strong></p>` +
      alert(opts.error) +
      postForm(opts.action, opts.csrf) +
      hidden(opts.fields) +
      `<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required autofocus value="${esc(opts.username ?? '')}">` +
      `<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>` +
      `<div class="actions"><button type="submit">Sign in</button></div></form>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in when you are away',
};

/** The requested scopes in words, as a list (consent and device confirmation pages). */
const scopeList = (scopes: string[]) =>
  `<ul>${scopes.map((s) => `<li>${esc(SCOPE_TEXT[s] ?? `Access “${s}”`)}</li>`).join('')}</ul>`;

export function consentPage(
  opts: FormPageOptions & { clientName: string; scopes: string[]; fields: Record<string, string> },
): string {
  return layout(
    'Allow access',
    `<h1>Allow access?</h1><p><strong>${esc(opts.clientName)}</strong> would like to:</p>${scopeList(opts.scopes)}` +
      postForm(opts.action, opts.csrf) +
      hidden(opts.fields) +
      `<div class="actions"><button type="submit" name="consent" value="approve">Allow</button>` +
      `<button type="submit" name="consent" value="deny" class="secondary">Deny</button></div></form>`,
  );
}

export function logoutPage(opts: FormPageOptions & { fields: Record<string, string> }): string {
  return layout(
    'Sign out',
    `<h1>Sign out?</h1><p>You will need to enter your password again the next time a site asks you to sign in.</p>` +
      postForm(opts.action, opts.csrf) +
      hidden(opts.fields) +
      `<div class="actions"><button type="submit">Sign out</button></div></form>`,
  );
}

/** RFC 8628 §3.3, step 1: the user enters the code their device shows. Nothing is approved from this page. */
export function deviceCodePage(opts: FormPageOptions & { userCode?: string | undefined }): string {
  return layout(
    'Connect a device',
    '<h1>Connect a device</h1>' +
      alert(opts.error) +
      postForm(opts.action, opts.csrf) +
      `<label for="user_code">Code shown on your device</label><input type="text" id="user_code" name="user_code" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required value="${esc(opts.userCode ?? '')}">` +
      `<div class="actions"><button type="submit">Continue</button></div></form>`,
  );
}

/**
 * RFC 8628 §3.3, step 2: "inform the user about the action they are undertaking and ask them to approve or
 * deny the request": which client, what access, for which code. The code is not editable here (a hidden
 * field): what is approved is what is shown. Sign-in fields when the browser has no session.
 */
export function deviceConfirmPage(
  opts: FormPageOptions & { userCode: string; clientName: string; scopes: string[]; loggedIn: boolean },
): string {
  return layout(
    'Connect a device',
    '<h1>Connect a device</h1>' +
      alert(opts.error) +
      `<p><strong>${esc(opts.clientName)}</strong> is asking for access.</p>` +
      (opts.scopes.length > 0 ? `<p>It would be able to:</p>${scopeList(opts.scopes)}` : '') +
      `<p>Code: <strong class="code">${esc(opts.userCode)}</strong></p>` +
      // RFC 8628 §5.4: remote phishing — the user must check the code against the device in front of them.
      `<p class="hint">Only allow this if the code matches the one on your own device.</p>` +
      postForm(opts.action, opts.csrf) +
      `<input type="hidden" name="user_code" value="${esc(opts.userCode)}">` +
      (opts.loggedIn
        ? ''
        : `<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required>` +
          `<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>`) +
      `<div class="actions"><button type="submit" name="consent" value="approve">Allow</button>` +
      `<button type="submit" name="consent" value="deny" class="secondary">Deny</button></div></form>`,
  );
}
