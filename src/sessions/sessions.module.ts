import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DevicesModule } from '../devices/devices.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { CredentialRevocationService } from './credential-revocation.service';
import { RefreshToken } from './refresh-token.entity';
import { RevocationList } from './revocation-list';
import { SessionTokensService } from './session-tokens.service';
import { Session } from './session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** Global: the access-token strategy and the account routes all consult sessions. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Session, RefreshToken]), TokensModule, UsersModule, DevicesModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionTokensService, RevocationList, CredentialRevocationService],
  exports: [SessionsService, SessionTokensService, RevocationList, CredentialRevocationService, DevicesModule],
})
export class SessionsModule {}
