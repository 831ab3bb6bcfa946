import { SetMetadata } from '@nestjs/common';
import { IpRangeList } from '../client-address/ip-range-list';

export const ALLOW_FROM = 'ip-allowlist:allow-from';

/**
 * A tighter allowlist for one route or controller (e.g. metrics from
 * 10.0.0.0/8 only). It narrows, never widens: the global IP_ALLOWLIST still
 * applies first. Parsed when the decorator is evaluated, so a typo fails at
 * startup rather than at the first request.
 */
export const AllowFrom = (cidrs: string) => SetMetadata(ALLOW_FROM, IpRangeList.parse(cidrs, '@AllowFrom'));
