import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RUNTIME_SECRETS } from '../config/app-config.module';
import { AppConfigService } from '../config/app-config.service';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { RecoveryCodeHasher } from './recovery-code-hasher';
import { RecoveryCode } from './recovery-code.entity';
import { RecoveryCodeFactor } from './recovery-code.factor';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorReset } from './second-factor-reset.service';
import { SecondFactors } from './second-factors.service';
import { StepUpVerifier } from './step-up-verifier.service';
import { TotpEnrollment } from './totp-enrollment.service';
import { TotpSecretVault } from './totp-secret-vault';
import { TotpFactor } from './totp.factor';
import { TotpService } from './totp.service';
import { WebAuthnChallenges } from './webauthn-challenges';
import { WebAuthnCredential } from './webauthn-credential.entity';
import { WebAuthnCredentialsService } from './webauthn-credentials.service';
import { WebAuthnRelyingParty } from './webauthn-relying-party';
import { WebAuthnFactor } from './webauthn.factor';

/**
 * The second-factor core, shared by the API's routes and the admin CLI:
 * what proves a factor, and the operations that change factors after proof.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([RecoveryCode, WebAuthnCredential]),
    UsersModule,
    EnrollmentModule,
    SessionsModule,
    RateLimitModule,
  ],
  providers: [
    TotpFactor,
    RecoveryCodeFactor,
    WebAuthnFactor,
    WebAuthnChallenges,
    WebAuthnCredentialsService,
    WebAuthnRelyingParty,
    SecondFactors,
    StepUpVerifier,
    TotpEnrollment,
    SecondFactorReset,
    RecoveryCodesService,
    {
      provide: TotpService,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) =>
        new TotpService({ window: config.app.totp.window, issuer: config.app.totp.issuer }),
    },
    {
      provide: TotpSecretVault,
      inject: [RUNTIME_SECRETS],
      useFactory: (secrets: RuntimeSecrets) => new TotpSecretVault(secrets.appSecret, secrets.previousAppSecret),
    },
    {
      provide: RecoveryCodeHasher,
      inject: [RUNTIME_SECRETS],
      useFactory: (secrets: RuntimeSecrets) => new RecoveryCodeHasher(secrets.appSecret, secrets.previousAppSecret),
    },
  ],
  exports: [
    SecondFactors,
    StepUpVerifier,
    TotpEnrollment,
    SecondFactorReset,
    RecoveryCodesService,
    TotpSecretVault,
    WebAuthnFactor,
    WebAuthnChallenges,
    WebAuthnCredentialsService,
    WebAuthnRelyingParty,
  ],
})
export class FactorsModule {}
