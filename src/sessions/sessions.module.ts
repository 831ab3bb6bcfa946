import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module';
import { DevicesModule } from '../devices/devices.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { CredentialRevocationService } from './credential-revocation.service';
import { RefreshToken } from './refresh-token.entity';
import { SessionListController } from './session-list.controller';
import { SessionListService } from './session-list.service';
import { SessionTokensService } from './session-tokens.service';
import { Session } from './session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Session, RefreshToken]), TokensModule, UsersModule, DevicesModule, AccessModule],
  controllers: [SessionsController, SessionListController],
  providers: [SessionsService, SessionTokensService, CredentialRevocationService, SessionListService],
  exports: [SessionsService, SessionTokensService, CredentialRevocationService, SessionListService, DevicesModule],
})
export class SessionsModule {}
