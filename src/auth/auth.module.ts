import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AccessModule } from '../access/access.module';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { FactorsModule } from '../factors/factors.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AccessTokenStrategy } from './access-token.strategy';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { VerifiedTokenCache } from './verified-token-cache';

@Module({
  imports: [
    PassportModule,
    AccessModule,
    UsersModule,
    TokensModule,
    FactorsModule,
    EnrollmentModule,
    SessionsModule,
    RateLimitModule,
  ],
  controllers: [AuthController],
  providers: [AuthService, AccessTokenStrategy, VerifiedTokenCache],
  // The global JwtAuthGuard (registered in AppModule) reads the same cache
  // and checks signatures with the same keys.
  exports: [VerifiedTokenCache, TokensModule],
})
export class AuthModule {}
