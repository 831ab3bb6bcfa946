import { addressGroup, MemoryRefusalAggregation, type Refusal, REFUSAL_WINDOW_MS } from './refusal-aggregation';

const origin = (clientAddress: string, route: string | null = '/health') => ({ requestId: 'r', clientAddress, route });

describe('MemoryRefusalAggregation', () => {
  let now = 0;
  let emitted: { refusal: Refusal; count: number; many: boolean }[];
  let aggregation: MemoryRefusalAggregation;

  beforeEach(() => {
    now = 1_000_000;
    emitted = [];
    aggregation = new MemoryRefusalAggregation(
      (refusal, count, many) => emitted.push({ refusal, count, many }),
      () => now,
    );
  });
  afterEach(() => aggregation.stop());

  it('records the first refusal at once, then one event per window carrying the count, never more', () => {
    for (let i = 0; i < 1000; i += 1) {
      aggregation.refused({ event: 'net.ip.refused', origin: origin('10.0.0.1') });
      now += 5; // 5 s of flood
    }
    expect(emitted.map((e) => e.count)).toEqual([1]);
    aggregation.sweep();
    expect(emitted.map((e) => e.count)).toEqual([1]);
    now = 1_000_000 + REFUSAL_WINDOW_MS;
    aggregation.sweep();
    expect(emitted.map((e) => e.count)).toEqual([1, 999]);
    // The summary started the next window: a refusal right after it waits for that window's end.
    aggregation.refused({ event: 'net.ip.refused', origin: origin('10.0.0.1') });
    aggregation.sweep();
    expect(emitted).toHaveLength(2);
    now += REFUSAL_WINDOW_MS;
    aggregation.sweep();
    expect(emitted.map((e) => e.count)).toEqual([1, 999, 1]);
    // A window with nothing pending forgets the key; the next refusal is recorded at once again.
    now += REFUSAL_WINDOW_MS;
    aggregation.sweep();
    expect(aggregation.size).toBe(0);
  });

  it('keeps addresses (IPv6 per /64), kinds, buckets and routes apart', () => {
    aggregation.refused({ event: 'net.ip.refused', origin: origin('2001:db8:1:2::1') });
    aggregation.refused({ event: 'net.ip.refused', origin: origin('2001:db8:1:2:ffff::9') });
    aggregation.refused({ event: 'net.ip.refused', origin: origin('2001:db8:1:3::1') });
    aggregation.refused({ event: 'net.ip.refused', origin: origin('2001:db8:1:2::1', '/auth/login') });
    aggregation.refused({ event: 'net.rate_limit.refused', origin: origin('2001:db8:1:2::1'), bucket: 'default' });
    aggregation.refused({ event: 'net.rate_limit.refused', origin: origin('2001:db8:1:2::1'), bucket: 'login' });
    expect(emitted).toHaveLength(5);
    aggregation.flush();
    expect(emitted.map((e) => e.count)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('flush() emits every pending count (shutdown)', () => {
    for (let i = 0; i < 50; i += 1) aggregation.refused({ event: 'net.ip.refused', origin: origin('10.0.0.2') });
    aggregation.flush();
    expect(emitted.reduce((sum, e) => sum + e.count, 0)).toBe(50);
  });

  it('groups addresses as the rate limiter does', () => {
    expect(addressGroup('2001:db8:a:b:c:d:e:f')).toBe('2001:db8:a:b::/64');
    expect(addressGroup('::ffff:127.0.0.5')).toBe('127.0.0.5');
    expect(addressGroup('127.0.0.5')).toBe('127.0.0.5');
    expect(addressGroup(null)).toBe('unknown');
  });
});
