import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';

const SECRET = 'x'.repeat(40);
const tmp = () => mkdtempSync(join(tmpdir(), 'gh-config-'));

describe('configuration loading', () => {
  it('uses the documented defaults and generates a persisted JWT secret with a warning', () => {
    const dir = tmp();
    const warnings: string[] = [];
    const c = loadConfig({ env: { DATA_DIR: dir }, warn: (m) => warnings.push(m) });
    expect(c.server).toEqual({ host: '127.0.0.1', port: 1314, trust_proxy: false });
    expect(c.oauth.issuer).toBe('http://127.0.0.1:1314');
    expect(c.oauth.access_token_ttl_secs).toBe(900);
    expect(c.oauth.refresh_token_ttl_secs).toBe(2_592_000);
    expect(c.database.url).toBeUndefined();
    expect(c.redis.url).toBeUndefined();
    expect(c.security.jwt_secret_generated).toBe(true);
    expect(warnings[0]).toContain('jwt_secret');
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(c.security.jwt_secret);
    const again = loadConfig({ env: { DATA_DIR: dir } });
    expect(again.security.jwt_secret).toBe(c.security.jwt_secret);
  });

  it('refuses a generated JWT secret in production', () => {
    const dir = tmp();
    expect(() => loadConfig({ env: { DATA_DIR: dir, NODE_ENV: 'production' } })).toThrow(/jwt_secret/);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });

  it('reads namespaced environment variables', () => {
    const c = loadConfig({
      env: {
        SERVER__HOST: '0.0.0.0',
        SERVER__PORT: '8080',
        DATABASE__URL: 'postgres://u@h/db',
        REDIS__URL: 'redis://r:6379',
        SECURITY__JWT_SECRET: SECRET,
        OAUTH__ISSUER: 'https://auth.example.com/',
        OAUTH__ACCESS_TOKEN_TTL_SECS: '60',
        OAUTH__REFRESH_TOKEN_TTL_SECS: '3600',
      },
    });
    expect(c.server).toEqual({ host: '0.0.0.0', port: 8080, trust_proxy: false });
    expect(c.database.url).toBe('postgres://u@h/db');
    expect(c.redis.url).toBe('redis://r:6379');
    expect(c.security).toEqual({ jwt_secret: SECRET, jwt_secret_generated: false });
    expect(c.oauth.issuer).toBe('https://auth.example.com');
    expect(c.oauth.access_token_ttl_secs).toBe(60);
    expect(c.oauth.refresh_token_ttl_secs).toBe(3600);
  });

  it('reads classic environment variables and SERVER_ADDR', () => {
    const c = loadConfig({
      env: {
        SERVER_ADDR: '10.0.0.1:9000',
        DATABASE_URL: 'postgresql://db/x',
        REDIS_URL: 'redis://r',
        JWT_SECRET: SECRET,
      },
    });
    expect(c.server).toEqual({ host: '10.0.0.1', port: 9000, trust_proxy: false });
    expect(c.oauth.issuer).toBe('http://10.0.0.1:9000');
    expect(c.database.url).toBe('postgresql://db/x');
    expect(c.redis.url).toBe('redis://r');
    expect(c.security.jwt_secret).toBe(SECRET);
  });

  it('prefers the namespaced spelling when both are set', () => {
    const c = loadConfig({
      env: {
        DATABASE__URL: 'postgres://a/one',
        DATABASE_URL: 'postgres://b/two',
        SECURITY__JWT_SECRET: SECRET,
        JWT_SECRET: 'z'.repeat(40),
        SERVER_ADDR: '0.0.0.0:7000',
        SERVER__PORT: '7001',
      },
    });
    expect(c.database.url).toBe('postgres://a/one');
    expect(c.security.jwt_secret).toBe(SECRET);
    expect(c.server).toEqual({ host: '0.0.0.0', port: 7001, trust_proxy: false });
  });

  it('layers defaults < YAML file < env', () => {
    const dir = tmp();
    const file = join(dir, 'gatehouse.yaml');
    writeFileSync(
      file,
      `server:\n  port: 2000\noauth:\n  access_token_ttl_secs: 120\nsecurity:\n  jwt_secret: ${SECRET}\nclients:\n  - client_id: a\n    client_secret: s3cret\n    scopes: [read]\nusers:\n  - username: alice\n    password: correct-horse\n    email: alice@example.com\n`,
    );
    const c = loadConfig({ env: { APP_CONFIG: file, SERVER__PORT: '3000' } });
    expect(c.server.port).toBe(3000);
    expect(c.oauth.access_token_ttl_secs).toBe(120);
    expect(c.clients[0]).toMatchObject({
      client_id: 'a',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      scopes: ['read'],
    });
    expect(c.users[0]).toMatchObject({ username: 'alice', email: 'alice@example.com' });
  });

  it('reads a TOML file', () => {
    const dir = tmp();
    const file = join(dir, 'gatehouse.toml');
    writeFileSync(file, `[server]\nhost = "0.0.0.0"\n[security]\njwt_secret = "${SECRET}"\n`);
    expect(loadConfig({ env: { APP_CONFIG: file } }).server.host).toBe('0.0.0.0');
  });

  it('names the key and the reason when a value is invalid', () => {
    expect(() => loadConfig({ env: { SERVER__PORT: 'abc', JWT_SECRET: SECRET } })).toThrow(/server\.port/);
    expect(() => loadConfig({ env: { OAUTH__ISSUER: 'not a url', JWT_SECRET: SECRET } })).toThrow(
      /oauth\.issuer/,
    );
    expect(() => loadConfig({ env: { JWT_SECRET: 'short' } })).toThrow(
      /security\.jwt_secret: must be at least 32/,
    );
    expect(() => loadConfig({ env: { DATABASE_URL: 'mysql://x', JWT_SECRET: SECRET } })).toThrow(ConfigError);
    const dir = tmp();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `security:\n  jwt_secret: ${SECRET}\nclients:\n  - client_id: a\n`);
    expect(() => loadConfig({ env: { APP_CONFIG: file } })).toThrow(/clients\.0\.client_secret/);
    expect(() => loadConfig({ env: { APP_CONFIG: join(dir, 'x.ini') } })).toThrow(/APP_CONFIG/);
  });
});

/** The message of the ConfigError loadConfig throws (fails the test when it loads). */
function configError(options: Parameters<typeof loadConfig>[0]): string {
  try {
    loadConfig(options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration loaded');
}

const yamlFile = (text: string) => {
  const file = join(tmp(), 'gatehouse.yaml');
  writeFileSync(file, `security:\n  jwt_secret: ${SECRET}\n${text}`);
  return { APP_CONFIG: file };
};

describe('unknown configuration keys', () => {
  it('refuses a misspelt key anywhere in the file, naming its path', () => {
    expect(configError({ env: yamlFile('oauth:\n  acess_token_ttl_secs: 5\n') })).toContain(
      'oauth.acess_token_ttl_secs: unknown key',
    );
    expect(configError({ env: yamlFile('server: {prot: 9}\n') })).toContain('server.prot: unknown key');
    expect(configError({ env: yamlFile('log_levle: debug\n') })).toContain('log_levle: unknown key');
    for (const section of ['database', 'redis', 'security', 'rate_limit']) {
      expect(configError({ env: yamlFile(''), overrides: { [section]: { bogus: 1 } } })).toContain(
        `${section}.bogus: unknown key`,
      );
    }
    expect(
      configError({
        env: yamlFile(
          'clients:\n  - client_id: web\n    client_secret: s\n    redirect_uri: https://web.example.com/cb\n',
        ),
      }),
    ).toContain('clients.0.redirect_uri: unknown key');
    expect(
      configError({
        env: yamlFile('users:\n  - username: alice\n    password: correct-horse\n    mail: a@b.c\n'),
      }),
    ).toContain('users.0.mail: unknown key');
  });

  it('maps every documented environment variable onto a known key', () => {
    const c = loadConfig({
      env: {
        SERVER__HOST: '0.0.0.0',
        SERVER__PORT: '8080',
        SERVER__TRUST_PROXY: 'loopback',
        DATABASE__URL: 'postgres://u@h/db',
        REDIS__URL: 'redis://r:6379',
        SECURITY__JWT_SECRET: SECRET,
        OAUTH__ISSUER: 'https://auth.example.com',
        OAUTH__ACCESS_TOKEN_TTL_SECS: '60',
        OAUTH__REFRESH_TOKEN_TTL_SECS: '3600',
        OAUTH__AUTHORIZATION_CODE_TTL_SECS: '30',
        OAUTH__KEY_PUBLISH_DELAY_SECS: '0',
        RATE_LIMIT__ENABLED: 'false',
        RATE_LIMIT__PER_IP_PER_MINUTE: '10',
        RATE_LIMIT__PER_CLIENT_PER_MINUTE: '20',
        DATA_DIR: tmp(),
        LOG_LEVEL: 'warn',
      },
    });
    expect(c.oauth.key_publish_delay_secs).toBe(0);
    expect(c.rate_limit).toEqual({ enabled: false, per_ip_per_minute: 10, per_client_per_minute: 20 });
    expect(c.log_level).toBe('warn');
  });
});

describe('numbers', () => {
  it('accepts only digits from the environment', () => {
    for (const [name, path] of [
      ['SERVER__PORT', 'server.port'],
      ['OAUTH__KEY_PUBLISH_DELAY_SECS', 'oauth.key_publish_delay_secs'],
      ['OAUTH__ACCESS_TOKEN_TTL_SECS', 'oauth.access_token_ttl_secs'],
      ['RATE_LIMIT__PER_IP_PER_MINUTE', 'rate_limit.per_ip_per_minute'],
    ] as const) {
      for (const bad of [' ', '\t', '0x50', '8e3', '1.5', '-1', '+80', '80 ', 'abc']) {
        expect(
          configError({ env: { JWT_SECRET: SECRET, [name]: bad } }),
          `${name}=${JSON.stringify(bad)}`,
        ).toMatch(new RegExp(`${path.replace('.', '\\.')}: must be a whole number`));
      }
    }
    expect(
      loadConfig({ env: { JWT_SECRET: SECRET, OAUTH__KEY_PUBLISH_DELAY_SECS: '0' } }).oauth,
    ).toMatchObject({
      key_publish_delay_secs: 0,
    });
  });

  it('refuses SERVER_ADDR without a port instead of listening on port 0', () => {
    for (const bad of ['0.0.0.0:', '0.0.0.0: ', '0.0.0.0:0x50', ':8080', '0.0.0.0', '::1:8080']) {
      expect(configError({ env: { JWT_SECRET: SECRET, SERVER_ADDR: bad } }), bad).toContain('SERVER_ADDR');
    }
  });

  it('refuses fractions and non-numeric strings in the file', () => {
    expect(configError({ env: yamlFile('server: {port: 80.5}\n') })).toContain(
      'server.port: must be a whole number',
    );
    expect(configError({ env: yamlFile('oauth: {access_token_ttl_secs: "60s"}\n') })).toContain(
      'oauth.access_token_ttl_secs',
    );
    expect(loadConfig({ env: yamlFile('server: {port: 8080}\n') }).server.port).toBe(8080);
  });
});

describe('oauth.issuer', () => {
  it('must be an http(s) URL without query or fragment', () => {
    for (const bad of [
      'javascript:alert(1)',
      'ftp://id.example.com',
      'https://id.example.com/?x=1#f',
      'https://id.example.com/?x=1',
      'https://id.example.com/#f',
      'https://id.example.com?',
      'https://user:pw@id.example.com',
      'https:id.example.com',
      // Paths that the URL parser rewrites or that need decoding: not usable as the endpoints' prefix.
      'https://id.example.com/a/../b',
      'https://id.example.com/./auth',
      'https://id.example.com/ten%20ant',
      'https://id.example.com/a//b',
      'https://id.example.com\\auth',
    ]) {
      expect(configError({ env: { JWT_SECRET: SECRET, OAUTH__ISSUER: bad } }), bad).toContain('oauth.issuer');
    }
    for (const good of [
      'https://id.example.com',
      'https://id.example.com/tenant-a',
      'https://id.example.com/auth/v1.0_~x',
      'http://127.0.0.1:4000',
    ]) {
      expect(loadConfig({ env: { JWT_SECRET: SECRET, OAUTH__ISSUER: good } }).oauth.issuer).toBe(good);
    }
  });

  it('is https in production unless it is loopback', () => {
    const prod = { JWT_SECRET: SECRET, NODE_ENV: 'production' };
    expect(configError({ env: { ...prod, OAUTH__ISSUER: 'http://id.example.com' } })).toContain(
      'oauth.issuer: must be an https:// URL when NODE_ENV=production',
    );
    expect(configError({ env: { ...prod, SERVER_ADDR: '0.0.0.0:1314' } })).toContain(
      'oauth.issuer: required when NODE_ENV=production',
    );
    expect(loadConfig({ env: { ...prod, OAUTH__ISSUER: 'http://localhost:8080' } }).oauth.issuer).toBe(
      'http://localhost:8080',
    );
    expect(loadConfig({ env: prod }).oauth.issuer).toBe('http://127.0.0.1:1314');
    expect(
      loadConfig({ env: { JWT_SECRET: SECRET, OAUTH__ISSUER: 'http://gatehouse.test' } }).oauth.issuer,
    ).toBe('http://gatehouse.test');
  });

  it('brackets an IPv6 host in the default issuer', () => {
    const a = loadConfig({ env: { JWT_SECRET: SECRET, SERVER_ADDR: '[::1]:8080' } });
    expect(a.server.host).toBe('::1');
    expect(a.oauth.issuer).toBe('http://[::1]:8080');
    const b = loadConfig({ env: { JWT_SECRET: SECRET, SERVER__HOST: '::', SERVER__PORT: '9000' } });
    expect(b.oauth.issuer).toBe('http://[::]:9000');
  });

  it('takes an IPv6 server.host bracketed as in a URL, from the file or SERVER__HOST, and stores it bare', () => {
    const file = loadConfig({ env: { JWT_SECRET: SECRET }, overrides: { server: { host: '[::1]' } } });
    expect(file.server.host).toBe('::1');
    expect(file.oauth.issuer).toBe('http://[::1]:1314');
    const env = loadConfig({ env: { JWT_SECRET: SECRET, SERVER__HOST: '[::]' } });
    expect(env.server.host).toBe('::');
    for (const bad of ['[localhost]', '[127.0.0.1]', '[]']) {
      expect(configError({ env: { JWT_SECRET: SECRET, SERVER__HOST: bad } }), bad).toContain(
        'server.host: brackets are only for an IPv6 address',
      );
    }
  });
});

describe('client redirect URIs', () => {
  const client = (uris: Record<string, string[]>) => ({
    env: { JWT_SECRET: SECRET },
    overrides: {
      clients: [{ client_id: 'web', client_secret: 's', grant_types: ['authorization_code'], ...uris }],
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
      overrides: { clients: [{ client_id: 'c', client_secret: 's', grant_types }] },
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
          { client_id: 'a', client_secret: 'one' },
          { client_id: 'b', client_secret: 'two' },
          { client_id: 'a', client_secret: 'three', scopes: ['admin'] },
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
    overrides: { clients: [{ client_id: 'svc', client_secret: 's', resources }] },
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

describe('configuration mistakes an operator can make', () => {
  it('names the file, line and reason of a syntax error, never the offending line (it may hold a secret)', () => {
    const dir = tmp();
    const cases: [string, string][] = [
      ['bad.yaml', 'security:\n  jwt_secret: "YamlSecretValue-0123456789-abcdefghijk\nserver: {port: 1}\n'],
      ['bad2.yaml', 'clients:\n  - client_id: a\n    client_secret: TopSecretClientSecret: x\n'],
      ['bad.toml', '[security]\njwt_secret = "TomlSecretValue-0123456789-abcdefghijkl\n'],
    ];
    for (const [name, text] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const message = configError({ env: { APP_CONFIG: file } });
      expect(message, name).toContain(`cannot parse ${file}`);
      expect(message, name).toMatch(/line \d+/);
      expect(message, name).not.toMatch(/SecretValue|TopSecret/);
    }
  });

  it('refuses a server.host that is no host name or IP address (the default issuer is built from it)', () => {
    for (const host of ['localhost:80', 'my host', 'host/path', 'http://h']) {
      expect(configError({ env: { JWT_SECRET: SECRET, SERVER__HOST: host } }), host).toContain('server.host');
    }
    for (const host of ['localhost', 'id.example.com', '0.0.0.0', '::1', '[::1]']) {
      expect(loadConfig({ env: { JWT_SECRET: SECRET, SERVER__HOST: host } }).server.host, host).toBeTruthy();
    }
  });

  it('bounds lifetimes and the key publication delay (larger values would overflow the dates made from them)', () => {
    for (const [name, value] of [
      ['OAUTH__KEY_PUBLISH_DELAY_SECS', 'oauth.key_publish_delay_secs'],
      ['OAUTH__ACCESS_TOKEN_TTL_SECS', 'oauth.access_token_ttl_secs'],
      ['OAUTH__REFRESH_TOKEN_TTL_SECS', 'oauth.refresh_token_ttl_secs'],
    ]) {
      expect(configError({ env: { JWT_SECRET: SECRET, [name!]: '9000000000000' } }), name).toContain(value);
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
