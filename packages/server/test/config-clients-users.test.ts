import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { configError, SECRET } from './support/config.js';

// The clients and users a configuration lists.

describe('client redirect URIs', () => {
  const client = (uris: Record<string, string[]>) => ({
    env: { JWT_SECRET: SECRET },
    overrides: {
      clients: [
        {
          client_id: 'web',
          client_secret: 'a-client-secret-of-32-characters',
          grant_types: ['authorization_code'],
          ...uris,
        },
      ],
    },
  });

  it('refuses executable schemes, fragments and relative URIs', () => {
    for (const key of ['redirect_uris', 'post_logout_redirect_uris']) {
      for (const bad of [
        'javascript:alert(1)',
        'JavaScript:alert(1)',
        'data:text/html,<script>alert(1)</script>',
        'vbscript:msgbox',
        'https://web.example.com/cb#frag',
        'https://web.example.com/cb#',
        '/cb',
        'https:/web.example.com/cb',
        ' https://web.example.com/cb',
        // Clear-text http outside the loopback interface (RFC 9700 §4.1.1).
        'http://web.example.com/cb',
        'http://127.0.0.1.evil.example.com/cb',
        'http://localhost.evil.example.com/cb',
        'http://10.0.0.5/cb',
      ]) {
        expect(configError(client({ [key]: [bad] })), `${key}: ${bad}`).toContain(`clients.0.${key}.0`);
      }
    }
  });

  it('keeps https, http on the loopback interface and private-use schemes of native apps', () => {
    const uris = [
      'https://web.example.com/cb?x=1',
      'http://127.0.0.1:8080/cb',
      'http://[::1]/cb',
      'http://localhost:3000/callback',
      'http://notes.localhost/cb',
      'com.example.app:/cb',
    ];
    const c = loadConfig(client({ redirect_uris: uris, post_logout_redirect_uris: uris }));
    expect(c.clients[0]?.redirect_uris).toEqual(uris);
    expect(c.clients[0]?.post_logout_redirect_uris).toEqual(uris);
  });
});

describe('client grant types', () => {
  it('accepts only the grants the server supports', () => {
    const withGrants = (grant_types: string[]) => ({
      env: { JWT_SECRET: SECRET },
      overrides: {
        clients: [{ client_id: 'c', client_secret: 'a-client-secret-of-32-characters', grant_types }],
      },
    });
    expect(configError(withGrants(['client_credentials', 'bogus']))).toContain('clients.0.grant_types.1');
    expect(configError(withGrants(['password']))).toContain('clients.0.grant_types.0');
    const all = [
      'client_credentials',
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ];
    expect(loadConfig(withGrants(all)).clients[0]?.grant_types).toEqual(all);
  });
});

describe('duplicate entries', () => {
  it('refuses a client_id or username listed twice, naming it', () => {
    const dup = configError(
      yamlOverrides({
        clients: [
          { client_id: 'a', client_secret: 'a-client-secret-of-32-characters' },
          { client_id: 'b', client_secret: 'a-client-secret-of-32-characters' },
          { client_id: 'a', client_secret: 'a-client-secret-of-32-characters', scopes: ['admin'] },
        ],
      }),
    );
    expect(dup).toContain('clients.2.client_id: duplicate client_id "a" (already clients.0)');
    const users = configError(
      yamlOverrides({
        users: [
          { username: 'alice', password: 'correct-horse' },
          { username: 'alice', password: 'battery-staple' },
        ],
      }),
    );
    expect(users).toContain('users.1.username: duplicate username "alice" (already users.0)');
  });
});

function yamlOverrides(overrides: Record<string, unknown>) {
  return { env: { JWT_SECRET: SECRET }, overrides };
}

describe('client resources (RFC 8707)', () => {
  const client = (resources: string[]) => ({
    env: { JWT_SECRET: SECRET },
    overrides: {
      clients: [{ client_id: 'svc', client_secret: 'a-client-secret-of-32-characters', resources }],
    },
  });

  it('takes absolute URIs without a fragment, and names the entry it refuses', () => {
    expect(loadConfig(client(['https://api.example.com', 'urn:example:rs'])).clients[0]?.resources).toEqual([
      'https://api.example.com',
      'urn:example:rs',
    ]);
    expect(loadConfig(client([])).clients[0]?.resources).toEqual([]);
    for (const bad of ['/api', 'https://api.example.com/#x', ' https://api.example.com']) {
      const message = configError(client(['https://ok.example.com', bad]));
      expect(message, bad).toContain('clients.0.resources.1');
      expect(message).toContain('absolute URI without a fragment');
    }
  });
});

describe('users', () => {
  it('refuses a username longer than the sign-in form accepts (256 characters)', () => {
    const users = (username: string) => ({
      env: { JWT_SECRET: SECRET },
      overrides: { users: [{ username, password: 'long enough password' }] },
    });
    expect(configError(users('u'.repeat(257)))).toContain('users.0.username');
    expect(loadConfig(users('u'.repeat(256))).users[0]?.username).toHaveLength(256);
  });
});
