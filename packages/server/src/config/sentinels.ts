import { isIP } from 'node:net';
import { z } from 'zod';

/** One sentinel: `host:port` or `[ipv6]:port`, the port all digits. */
const SENTINEL = /^(?:\[([^\]]+)\]|([^:[\]\s,]+)):(\d{1,5})$/;

/**
 * `redis.sentinels`: the Redis Sentinel processes asked for the current primary, as ioredis takes them
 * (`{ host, port }`). A list in the config file; the environment gives one string, comma-separated.
 */
export const sentinelsSchema = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : v,
  z
    .array(
      z.string().transform((entry, ctx) => {
        const m = SENTINEL.exec(entry);
        const port = Number(m?.[3]);
        if (m === null || port < 1 || port > 65535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
          ctx.addIssue({ code: 'custom', message: `expected host:port or [ipv6]:port, got "${entry}"` });
          return z.NEVER;
        }
        return { host: m[1] ?? m[2]!, port };
      }),
    )
    .min(1, 'must list at least one sentinel'),
);
