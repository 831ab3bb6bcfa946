import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The principal the global JWT guard attached: an access or a pre-auth subject. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<{ user: unknown }>().user,
);
