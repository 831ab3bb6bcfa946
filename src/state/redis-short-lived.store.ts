import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { DependencyUnavailableException } from './dependency-unavailable.exception';
import { CounterValue, ShortLivedStore } from './short-lived.store';

/**
 * Each operation is one Lua script or one command, so it is atomic across
 * every instance sharing this Redis: counts stay exact when an attacker
 * spreads requests over the cluster.
 */
const STARTUP_WAIT_MS = 3000;

const INCREMENT = `
local value = redis.call('INCR', KEYS[1])
if value == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {value, ttl}`;

const DECREMENT = `
local value = tonumber(redis.call('GET', KEYS[1]) or '0')
if value > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

const READ = `
local value = redis.call('GET', KEYS[1])
if not value then return nil end
return {tonumber(value), redis.call('PTTL', KEYS[1])}`;

export class RedisShortLivedStore extends ShortLivedStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly redis: Redis;

  constructor(url: string, keyPrefix: string) {
    super();
    this.redis = new Redis(url, {
      keyPrefix,
      // Fail fast while Redis is down: no queue of commands waiting for it,
      // so a request gets its 503 at once instead of hanging.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      // Reconnect for ever, backing off to 2 s: service resumes by itself.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      lazyConnect: false,
    });
    this.redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.redis.defineCommand('slIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.redis.defineCommand('slDecrement', { numberOfKeys: 1, lua: DECREMENT });
    this.redis.defineCommand('slRead', { numberOfKeys: 1, lua: READ });
  }

  /**
   * Commands are not queued while disconnected, so startup waits (briefly)
   * for the first connection; if Redis is down the app still starts and
   * answers 503 until it is back.
   */
  async onModuleInit(): Promise<void> {
    if (this.connected()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, STARTUP_WAIT_MS);
      this.redis.once('ready', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    if (!this.connected()) this.logger.warn('Redis is not reachable yet: requests get 503 until it is');
  }

  private connected(): boolean {
    return this.redis.status === 'ready';
  }

  /** After the HTTP server has drained: requests still in flight during shutdown keep their store. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  async increment(key: string, ttlMs: number): Promise<CounterValue> {
    const [value, ttl] = await this.run<[number, number]>(() => this.command('slIncrement', key, Math.ceil(ttlMs)));
    return { value, ttlMs: ttl };
  }

  async decrement(key: string): Promise<void> {
    await this.run(() => this.command('slDecrement', key));
  }

  async get(key: string): Promise<CounterValue | null> {
    const result = await this.run<[number, number] | null>(() => this.command('slRead', key));
    return result ? { value: result[0], ttlMs: Math.max(0, result[1]) } : null;
  }

  async expire(key: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.pexpire(key, Math.ceil(ttlMs)));
  }

  async setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.redis.set(key, '1', 'PX', Math.ceil(ttlMs), 'NX'))) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.redis.del(key));
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(key, value, 'PX', Math.ceil(ttlMs)));
  }

  /** GETDEL (Redis 6.2+): atomic, so a value taken on one instance is gone for every other. */
  async take(key: string): Promise<string | null> {
    return this.run(() => this.redis.getdel(key));
  }

  async ping(): Promise<void> {
    await this.run(() => this.redis.ping());
  }

  private command<T>(name: string, ...args: (string | number)[]): Promise<T> {
    return (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<T>>)[name](...args);
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw new DependencyUnavailableException('redis');
    }
  }
}
