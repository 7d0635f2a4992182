import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { configError, SECRET, yamlFile } from './support/config.js';

// Single values: numbers, server.host, the issuer, lifetimes.

describe('numbers', () => {
  it('accepts only digits from the environment', () => {
    for (const [name, path] of [
      ['SERVER__PORT', 'server.port'],
      ['OAUTH__KEY_PUBLISH_DELAY_SECS', 'oauth.key_publish_delay_secs'],
      ['OAUTH__ACCESS_TOKEN_TTL_SECS', 'oauth.access_token_ttl_secs'],
      ['RATE_LIMIT__PER_IP_PER_MINUTE', 'rate_limit.per_ip_per_minute'],
      ['SERVER__SHUTDOWN_DEADLINE_SECS', 'server.shutdown_deadline_secs'],
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
    // A stop that waits 0 s cuts every request; one past 5 minutes outlives any orchestrator's grace period.
    for (const bad of ['0', '301']) {
      expect(configError({ env: { JWT_SECRET: SECRET, SERVER__SHUTDOWN_DEADLINE_SECS: bad } })).toMatch(
        /server\.shutdown_deadline_secs/,
      );
    }
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

describe('configuration mistakes an operator can make', () => {
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
