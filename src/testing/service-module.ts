import type { Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';

/**
 * Builds one service the way Nest would, with its collaborators replaced
 * by the fakes a spec passes in (provider token → object). Specs of
 * orchestration code (the order in which a service calls its
 * collaborators) stay fast and need neither a database nor HTTP.
 */
export async function serviceUnderTest<T>(service: Type<T>, fakes: [token: unknown, fake: object][]): Promise<T> {
  const providers: Provider[] = [
    service,
    ...fakes.map(([token, fake]) => ({ provide: token as Type<unknown>, useValue: fake })),
  ];
  const moduleRef = await Test.createTestingModule({ providers }).compile();
  return moduleRef.get(service);
}

/** A fake whose methods record their calls, in order, into one shared log. */
export function recorder<T extends object>(
  name: string,
  log: string[],
  methods: { [K in keyof T]?: (...args: never[]) => unknown },
): T {
  const fake: Record<string, unknown> = {};
  for (const [method, implementation] of Object.entries(methods)) {
    fake[method] = (...args: never[]) => {
      log.push(`${name}.${method}`);
      return (implementation as (...a: never[]) => unknown)(...args);
    };
  }
  return fake as T;
}
