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
