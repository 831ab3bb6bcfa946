import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RUNTIME_SECRETS } from '../config/app-config.module';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { EnrollmentTicketHasher } from './enrollment-ticket-hasher';
import { EnrollmentTicket } from './enrollment-ticket.entity';
import { EnrollmentTicketsService } from './enrollment-tickets.service';

@Module({
  imports: [TypeOrmModule.forFeature([EnrollmentTicket])],
  providers: [
    EnrollmentTicketsService,
    {
      provide: EnrollmentTicketHasher,
      inject: [RUNTIME_SECRETS],
      useFactory: (secrets: RuntimeSecrets) => new EnrollmentTicketHasher(secrets.appSecret, secrets.previousAppSecret),
    },
  ],
  exports: [EnrollmentTicketsService],
})
export class EnrollmentModule {}
