import { Module } from '@nestjs/common';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { FactorsModule } from '../factors/factors.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { TwoFactorModule } from '../two-factor/two-factor.module';
import { UsersModule } from '../users/users.module';
import { PasswordlessController } from './passwordless.controller';
import { WebAuthnEnabledGuard } from './webauthn-enabled.guard';
import { WebAuthnController } from './webauthn.controller';
import { WebAuthnService } from './webauthn.service';

/** The HTTP side of passkeys, on the factor core (src/factors) and the login steps of src/two-factor. */
@Module({
  imports: [
    FactorsModule,
    TwoFactorModule,
    UsersModule,
    TokensModule,
    EnrollmentModule,
    SessionsModule,
    RateLimitModule,
  ],
  controllers: [WebAuthnController, PasswordlessController],
  providers: [WebAuthnService, WebAuthnEnabledGuard],
})
export class WebAuthnModule {}
