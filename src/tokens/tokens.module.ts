import { Module } from '@nestjs/common';
import { RUNTIME_SECRETS } from '../config/app-config.module';
import { AppConfigService } from '../config/app-config.service';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { AccessTokenService } from './access-token.service';
import { JwksController } from './jwks.controller';
import { KeyRing } from './key-ring';
import { PreAuthBudgetService } from './pre-auth-budget.service';
import { PreAuthTokenService } from './pre-auth-token.service';
import { ACCESS_JWT, accessJwtService, PRE_AUTH_JWT, preAuthJwtService } from './token-jwt';

@Module({
  controllers: [JwksController],
  providers: [
    {
      provide: KeyRing,
      inject: [RUNTIME_SECRETS, AppConfigService],
      useFactory: (secrets: RuntimeSecrets, config: AppConfigService) =>
        new KeyRing(secrets, { preAuthTtlSeconds: config.app.preAuth.ttlSeconds }),
    },
    {
      provide: ACCESS_JWT,
      inject: [KeyRing, AppConfigService],
      useFactory: (keys: KeyRing, config: AppConfigService) => accessJwtService(keys, config.app),
    },
    {
      provide: PRE_AUTH_JWT,
      inject: [KeyRing, AppConfigService],
      useFactory: (keys: KeyRing, config: AppConfigService) => preAuthJwtService(keys, config.app),
    },
    AccessTokenService,
    PreAuthTokenService,
    PreAuthBudgetService,
  ],
  exports: [KeyRing, AccessTokenService, PreAuthTokenService, PreAuthBudgetService],
})
export class TokensModule {}
