import { Module } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service';
import { RUNTIME_SECRETS } from '../config/app-config.module';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { deriveKey } from '../crypto/key-derivation';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { TotpSecretBox } from './totp-secret-box';
import { TotpService } from './totp.service';
import { TwoFactorController } from './two-factor.controller';
import { TwoFactorService } from './two-factor.service';

@Module({
  imports: [UsersModule, TokensModule],
  controllers: [TwoFactorController],
  providers: [
    TwoFactorService,
    {
      provide: TotpService,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) =>
        new TotpService({ window: config.app.totp.window, issuer: config.app.totp.issuer }),
    },
    {
      provide: TotpSecretBox,
      inject: [RUNTIME_SECRETS],
      useFactory: (secrets: RuntimeSecrets) =>
        new TotpSecretBox(deriveKey(secrets.appSecret, 'totp-secret-encryption')),
    },
  ],
})
export class TwoFactorModule {}
