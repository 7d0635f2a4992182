// oidc-provider's example Redis adapter (its documented example/adapters/redis.js), with ioredis, so that the
// multi-node benchmark compares Gatehouse on PostgreSQL + Redis with oidc-provider keeping its sessions,
// grants, codes and tokens in Redis, as a multi-node oidc-provider deployment must. Differences from the
// example: a factory taking the connection and a key prefix (one per run, removed afterwards), and lodash's
// isEmpty written out.
import Redis from 'ioredis';

const grantable = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

const consumable = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

const grantKeyFor = (id) => `grant:${id}`;
const userCodeKeyFor = (userCode) => `userCode:${userCode}`;
const uidKeyFor = (uid) => `uid:${uid}`;
const isEmpty = (data) =>
  data === null || data === undefined || (typeof data === 'object' && Object.keys(data).length === 0);

/**
 * @param {string} url redis://…
 * @param {string} keyPrefix every key of this run starts with it
 * @returns {{ Adapter: new (name: string) => object, close: () => Promise<void> }}
 */
export function redisAdapter(url, keyPrefix) {
  const client = new Redis(url, { keyPrefix });

  class RedisAdapter {
    constructor(name) {
      this.name = name;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const store = consumable.has(this.name)
        ? { payload: JSON.stringify(payload) }
        : JSON.stringify(payload);

      const multi = client.multi();
      multi[consumable.has(this.name) ? 'hmset' : 'set'](key, store);

      if (expiresIn) {
        multi.expire(key, expiresIn);
      }

      if (grantable.has(this.name) && payload.grantId) {
        const grantKey = grantKeyFor(payload.grantId);
        multi.rpush(grantKey, key);
        // if you're seeing grant key lists growing out of acceptable proportions consider using LTRIM
        // here to trim the list to an appropriate length
        const ttl = await client.ttl(grantKey);
        if (expiresIn > ttl) {
          multi.expire(grantKey, expiresIn);
        }
      }

      if (payload.userCode) {
        const userCodeKey = userCodeKeyFor(payload.userCode);
        multi.set(userCodeKey, id);
        multi.expire(userCodeKey, expiresIn);
      }

      if (payload.uid) {
        const uidKey = uidKeyFor(payload.uid);
        multi.set(uidKey, id);
        multi.expire(uidKey, expiresIn);
      }

      await multi.exec();
    }

    async find(id) {
      const data = consumable.has(this.name)
        ? await client.hgetall(this.key(id))
        : await client.get(this.key(id));

      if (isEmpty(data)) {
        return undefined;
      }

      if (typeof data === 'string') {
        return JSON.parse(data);
      }
      const { payload, ...rest } = data;
      return {
        ...rest,
        ...JSON.parse(payload),
      };
    }

    async findByUid(uid) {
      const id = await client.get(uidKeyFor(uid));
      return this.find(id);
    }

    async findByUserCode(userCode) {
      const id = await client.get(userCodeKeyFor(userCode));
      return this.find(id);
    }

    async destroy(id) {
      const key = this.key(id);
      await client.del(key);
    }

    async revokeByGrantId(grantId) {
      const multi = client.multi();
      const tokens = await client.lrange(grantKeyFor(grantId), 0, -1);
      for (const token of tokens) multi.del(token);
      multi.del(grantKeyFor(grantId));
      await multi.exec();
    }

    async consume(id) {
      await client.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000));
    }

    key(id) {
      return `${this.name}:${id}`;
    }
  }

  return {
    Adapter: RedisAdapter,
    /** Deletes this run's keys (SCAN ignores keyPrefix, hence the explicit pattern) and disconnects. */
    close: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await client.unlink(...keys.map((k) => k.slice(keyPrefix.length)));
      } while (cursor !== '0');
      await client.quit();
    },
  };
}
