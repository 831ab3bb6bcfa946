import type { ExecutionContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SkipThrottle, Throttle, ThrottlerModule } from '@nestjs/throttler';
import { SecurityEvents } from '../audit/security-events.service';
import { RateLimit } from './rate-limit.decorator';
import { RateLimitGuard } from './rate-limit.guard';

/** Handlers decorated the ways a team's own routes may be. */
class Routes {
  plain() {}
  @SkipThrottle()
  skipped() {}
  @Throttle({ default: { limit: 1, ttl: 60_000 } })
  tight() {}
  @RateLimit('login')
  login() {}
}

describe('RateLimitGuard with a plan per handler', () => {
  async function guard() {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [
            { name: 'default', limit: 3, ttl: 60_000 },
            {
              name: 'login',
              limit: 2,
              ttl: 60_000,
              // As rate-limit.module.ts does: only routes of the bucket.
              skipIf: (context) => context.getHandler() !== Routes.prototype.login,
            },
          ],
          setHeaders: false,
        }),
      ],
      providers: [RateLimitGuard, { provide: SecurityEvents, useValue: { record: () => undefined } }],
    }).compile();
    const instance = moduleRef.get(RateLimitGuard);
    await instance.onModuleInit();
    return instance;
  }

  const context = (handler: () => void, clientAddress = '127.0.0.9'): ExecutionContext =>
    ({
      getHandler: () => handler,
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => ({ id: 'r', clientAddress }), getResponse: () => ({}) }),
    }) as unknown as ExecutionContext;

  async function allowed(g: RateLimitGuard, handler: () => void, times: number, address?: string): Promise<number> {
    let passed = 0;
    for (let i = 0; i < times; i += 1) {
      try {
        if (await g.canActivate(context(handler, address))) passed += 1;
      } catch {
        // 429
      }
    }
    return passed;
  }

  it('applies the default limit to a plain route', async () => {
    expect(await allowed(await guard(), Routes.prototype.plain, 5)).toBe(3);
  });

  it('@SkipThrottle() skips the default limiter', async () => {
    expect(await allowed(await guard(), Routes.prototype.skipped, 10)).toBe(10);
  });

  it('@Throttle() overrides the limit of its handler only', async () => {
    const g = await guard();
    expect(await allowed(g, Routes.prototype.tight, 3, '127.0.0.10')).toBe(1);
    expect(await allowed(g, Routes.prototype.plain, 5, '127.0.0.11')).toBe(3);
  });

  it('a @RateLimit bucket adds its own limit to the default one', async () => {
    expect(await allowed(await guard(), Routes.prototype.login, 5)).toBe(2);
  });
});
