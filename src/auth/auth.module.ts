import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TokensModule } from '../tokens/tokens.module';
import { TwoFactorModule } from '../two-factor/two-factor.module';
import { UsersModule } from '../users/users.module';
import { AccessTokenStrategy } from './access-token.strategy';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { PreAuthTokenStrategy } from './pre-auth-token.strategy';

@Module({
  imports: [PassportModule, UsersModule, TokensModule, TwoFactorModule],
  controllers: [AuthController],
  providers: [AuthService, AccessTokenStrategy, PreAuthTokenStrategy],
})
export class AuthModule {}
