import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { configError, SECRET, tmp, yamlFile } from './support/config.js';

// Where values come from: defaults, the APP_CONFIG file (YAML, TOML), overrides and environment variables.

describe('configuration loading', () => {
  it('uses the documented defaults and generates a persisted JWT secret with a warning', () => {
    const dir = tmp();
    const warnings: string[] = [];
    const c = loadConfig({ env: { DATA_DIR: dir }, warn: (m) => warnings.push(m) });
    expect(c.server).toEqual({
      host: '127.0.0.1',
      port: 1314,
      trust_proxy: false,
      shutdown_deadline_secs: 10,
    });
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
        SERVER__SHUTDOWN_DEADLINE_SECS: '25',
        DATABASE__URL: 'postgres://u@h/db',
        REDIS__URL: 'redis://r:6379',
        SECURITY__JWT_SECRET: SECRET,
        OAUTH__ISSUER: 'https://auth.example.com/',
        OAUTH__ACCESS_TOKEN_TTL_SECS: '60',
        OAUTH__REFRESH_TOKEN_TTL_SECS: '3600',
      },
    });
    expect(c.server).toEqual({ host: '0.0.0.0', port: 8080, trust_proxy: false, shutdown_deadline_secs: 25 });
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
    expect(c.server).toEqual({
      host: '10.0.0.1',
      port: 9000,
      trust_proxy: false,
      shutdown_deadline_secs: 10,
    });
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
    expect(c.server).toEqual({ host: '0.0.0.0', port: 7001, trust_proxy: false, shutdown_deadline_secs: 10 });
  });

  it('layers defaults < YAML file < env', () => {
    const dir = tmp();
    const file = join(dir, 'gatehouse.yaml');
    writeFileSync(
      file,
      `server:\n  port: 2000\noauth:\n  access_token_ttl_secs: 120\nsecurity:\n  jwt_secret: ${SECRET}\nclients:\n  - client_id: a\n    client_secret: a-client-secret-of-32-characters\n    scopes: [read]\nusers:\n  - username: alice\n    password: correct-horse\n    email: alice@example.com\n`,
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
});
