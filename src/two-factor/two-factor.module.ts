import { Module } from '@nestjs/common';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { FactorsModule } from '../factors/factors.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { LoginSteps } from './login-steps.service';
import { TwoFactorSettingsController } from './two-factor-settings.controller';
import { TwoFactorSettingsService } from './two-factor-settings.service';
import { TwoFactorController } from './two-factor.controller';
import { TwoFactorService } from './two-factor.service';

/** The HTTP side of second factors: the login's second step and the settings routes, on the factor core. */
@Module({
  imports: [FactorsModule, UsersModule, TokensModule, EnrollmentModule, SessionsModule, RateLimitModule],
  controllers: [TwoFactorController, TwoFactorSettingsController],
  providers: [TwoFactorService, TwoFactorSettingsService, LoginSteps],
  exports: [LoginSteps],
})
export class TwoFactorModule {}
