import { Module } from '@nestjs/common';
import { FactorsModule } from '../factors/factors.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { StepUpController } from './step-up.controller';
import { StepUpService } from './step-up.service';

/** POST /auth/step-up and its passkey options, on the factor core and the session tokens. */
@Module({
  imports: [FactorsModule, SessionsModule, UsersModule],
  controllers: [StepUpController],
  providers: [StepUpService],
})
export class StepUpModule {}
