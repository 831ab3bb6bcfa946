import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/** Opts a route out of token checks. Everything else needs a token: deny by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
