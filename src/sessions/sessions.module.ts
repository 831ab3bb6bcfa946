import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokensModule } from '../tokens/tokens.module';
import { RefreshToken } from './refresh-token.entity';
import { RevocationList } from './revocation-list';
import { Session } from './session.entity';
import { SessionTokensService } from './session-tokens.service';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** Global: the access-token strategy and the account routes all consult sessions. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Session, RefreshToken]), TokensModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionTokensService, RevocationList],
  exports: [SessionsService, SessionTokensService, RevocationList],
})
export class SessionsModule {}
