import { MemoryShortLivedStore } from './memory-short-lived.store';

describe('MemoryShortLivedStore', () => {
  let now = 0;
  let store: MemoryShortLivedStore;
  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryShortLivedStore(() => now);
  });
  afterEach(() => store.onModuleDestroy());

  it('counts within a window and restarts after it', async () => {
    expect(await store.increment('k', 1000)).toEqual({ value: 1, ttlMs: 1000 });
    now += 400;
    expect(await store.increment('k', 1000)).toEqual({ value: 2, ttlMs: 600 });
    now += 600;
    expect(await store.increment('k', 1000)).toEqual({ value: 1, ttlMs: 1000 });
  });

  it('is exact under concurrent increments', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store.increment('k', 1000)));
    expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('sets only once while live', async () => {
    expect(await store.setIfAbsent('j', 100)).toBe(true);
    expect(await store.setIfAbsent('j', 100)).toBe(false);
    now += 100;
    expect(await store.setIfAbsent('j', 100)).toBe(true);
  });

  it('decrements, never below zero, and extends lifetimes', async () => {
    await store.increment('k', 1000);
    await store.decrement('k');
    await store.decrement('k');
    expect((await store.get('k'))?.value).toBe(0);
    await store.expire('k', 5000);
    expect((await store.get('k'))?.ttlMs).toBe(5000);
    await store.delete('k');
    expect(await store.get('k')).toBeNull();
  });

  it('forgets expired keys, so memory follows the live window only', async () => {
    for (let i = 0; i < 1000; i += 1) await store.increment(`ip-${i}`, 1000);
    expect(store.size).toBe(1000);
    now += 1000;
    (store as unknown as { sweep(): void }).sweep();
    expect(store.size).toBe(0);
  });

  it('hands a stored value to one take only, and never after its lifetime', async () => {
    await store.put('c', 'ctx', 1000);
    const taken = await Promise.all([store.take('c'), store.take('c')]);
    expect(taken.sort()).toEqual(['ctx', null].sort());
    await store.put('d', 'ctx', 1000);
    now += 1000;
    expect(await store.take('d')).toBeNull();
    await store.put('e', 'ctx', 1000);
    now += 1000;
    (store as unknown as { sweep(): void }).sweep();
    expect(store.size).toBe(0);
  });
});
