import type { FastifyRequest } from 'fastify';
import { USER_AGENT_MAX_LENGTH, userAgentOf } from './request-origin';

const withAgent = (agent: string | string[] | undefined) =>
  ({ headers: agent === undefined ? {} : { 'user-agent': agent } }) as unknown as FastifyRequest;

describe('userAgentOf', () => {
  it('keeps an ordinary header as sent', () => {
    expect(userAgentOf(withAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0'))).toBe(
      'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    );
  });

  it('is null without a header, or with an empty one', () => {
    expect(userAgentOf(withAgent(undefined))).toBeNull();
    expect(userAgentOf(withAgent(''))).toBeNull();
  });

  it('shows control characters and line separators as escapes, so no line can be forged', () => {
    expect(userAgentOf(withAgent('a\r\nb\u2028c\u0085'))).toBe('a\\u000d\\u000ab\\u2028c\\u0085');
  });

  it('cuts to 256 characters without splitting an escape', () => {
    expect(userAgentOf(withAgent('x'.repeat(10_000)))).toBe('x'.repeat(USER_AGENT_MAX_LENGTH));
    const escaped = userAgentOf(withAgent('y'.repeat(253) + '\n'.repeat(5)));
    expect(escaped).toBe('y'.repeat(253));
  });
});
