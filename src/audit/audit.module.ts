import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { AuditWriter } from './audit-writer';
import { AUDIT_FILE, AUDIT_LOGGER, SecurityEvents } from './security-events.service';

@Global()
@Module({})
export class AuditModule {
  static register(config: AppConfig, logger: Logger): DynamicModule {
    const { logFile, maxBytes, keep, queueMax } = config.audit;
    return {
      module: AuditModule,
      providers: [
        { provide: AUDIT_LOGGER, useValue: logger },
        // Opened at startup: an unreadable file or a broken last line stops the boot.
        {
          provide: AUDIT_FILE,
          useFactory: () => (logFile ? AuditWriter.open(logFile, { maxBytes, keep, queueMax, logger }) : null),
        },
        SecurityEvents,
      ],
      exports: [SecurityEvents, AUDIT_FILE],
    };
  }
}
