/** Small server-rendered pages: no external assets, inline CSS only, accessible labels. */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

const CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}
main{max-width:24rem;margin:3rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #767676;border-radius:4px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}
button.secondary{background:#e8eaed;color:#1b1f24}button:focus,input:focus{outline:3px solid #f2b600}
.error{color:#a00;background:#fdecec;padding:.5rem;border-radius:4px}ul{padding-left:1.25rem}
@media (max-width:30rem){main{margin:0;border-radius:0;min-height:100vh}}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><link rel="icon" href="data:,"><style>${CSS}</style></head><body><main>${body}</main></body></html>`;
}

const hidden = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');

export function errorPage(title: string, detail: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p role="alert">${esc(detail)}</p>`);
}

export function loginPage(opts: {
  action: string;
  clientName: string;
  fields: Record<string, string>;
  csrf: string;
  username?: string | undefined;
  error?: string | undefined;
}): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1><p>to continue to <strong>${esc(opts.clientName)}</strong></p>` +
      (opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : '') +
      `<form method="post" action="${esc(opts.action)}">${hidden(opts.fields)}` +
      `<input type="hidden" name="csrf_token" value="${esc(opts.csrf)}">` +
      `<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required autofocus value="${esc(opts.username ?? '')}">` +
      `<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>` +
      `<button type="submit">Sign in</button></form>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in when you are away',
};

export function consentPage(opts: {
  action: string;
  clientName: string;
  scopes: string[];
  fields: Record<string, string>;
  csrf: string;
}): string {
  const items = opts.scopes.map((s) => `<li>${esc(SCOPE_TEXT[s] ?? `Access “${s}”`)}</li>`).join('');
  return layout(
    'Allow access',
    `<h1>Allow access?</h1><p><strong>${esc(opts.clientName)}</strong> would like to:</p><ul>${items}</ul>` +
      `<form method="post" action="${esc(opts.action)}">${hidden(opts.fields)}` +
      `<input type="hidden" name="csrf_token" value="${esc(opts.csrf)}">` +
      `<button type="submit" name="consent" value="approve">Allow</button> ` +
      `<button type="submit" name="consent" value="deny" class="secondary">Deny</button></form>`,
  );
}

export function logoutPage(opts: { action: string; fields: Record<string, string>; csrf: string }): string {
  return layout(
    'Sign out',
    `<h1>Sign out?</h1><form method="post" action="${esc(opts.action)}">${hidden(opts.fields)}` +
      `<input type="hidden" name="csrf_token" value="${esc(opts.csrf)}">` +
      `<button type="submit">Sign out</button></form>`,
  );
}

export function devicePage(opts: {
  action: string;
  csrf: string;
  userCode?: string | undefined;
  clientName?: string | undefined;
  loggedIn: boolean;
  error?: string | undefined;
}): string {
  return layout(
    'Connect a device',
    '<h1>Connect a device</h1>' +
      (opts.clientName ? `<p><strong>${esc(opts.clientName)}</strong> is asking for access.</p>` : '') +
      (opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : '') +
      `<form method="post" action="${esc(opts.action)}">` +
      `<input type="hidden" name="csrf_token" value="${esc(opts.csrf)}">` +
      `<label for="user_code">Code shown on your device</label><input type="text" id="user_code" name="user_code" autocomplete="one-time-code" autocapitalize="characters" required value="${esc(opts.userCode ?? '')}">` +
      (opts.loggedIn
        ? ''
        : `<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required>` +
          `<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>`) +
      `<button type="submit" name="consent" value="approve">Allow</button> ` +
      `<button type="submit" name="consent" value="deny" class="secondary">Deny</button></form>`,
  );
}
