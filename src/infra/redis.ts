import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

/**
 * The process's Redis client (rate limits, the readiness check), when `url` is set. It reconnects
 * by itself; losing the connection is logged once (warn), and coming back once (info), rather
 * than at every retry. The caller closes it (`disconnect()`).
 */
export function createRedis(url: string | undefined, log: FastifyBaseLogger): Redis | undefined {
  if (!url) return undefined;
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err }, 'Redis unreachable; retrying (GET /ready reports it)');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('Redis connection back');
    down = false;
  });
  return redis;
}
