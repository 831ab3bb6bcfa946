import { SetMetadata } from '@nestjs/common';

export const IS_PRE_AUTH = 'auth:pre-auth';

/**
 * The route takes a pre-auth token (password done, second factor pending)
 * instead of an access token. Only the /auth/2fa/* routes carry it.
 */
export const PreAuth = () => SetMetadata(IS_PRE_AUTH, true);
