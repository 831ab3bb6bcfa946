import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module';
import { DevicesModule } from '../devices/devices.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { CredentialRevocationService } from './credential-revocation.service';
import { RefreshToken } from './refresh-token.entity';
import { SessionTokensService } from './session-tokens.service';
import { Session } from './session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Session, RefreshToken]), TokensModule, UsersModule, DevicesModule, AccessModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionTokensService, CredentialRevocationService],
  exports: [SessionsService, SessionTokensService, CredentialRevocationService, DevicesModule],
})
export class SessionsModule {}
