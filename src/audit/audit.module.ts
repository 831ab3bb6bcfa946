import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { AuditFile } from './audit-file';
import { AUDIT_FILE, AUDIT_LOGGER, SecurityEvents } from './security-events.service';

@Global()
@Module({})
export class AuditModule {
  static register(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AuditModule,
      providers: [
        { provide: AUDIT_LOGGER, useValue: logger },
        // Opened at startup: an unreadable file or a broken last line stops the boot.
        { provide: AUDIT_FILE, useFactory: () => (config.audit.logFile ? new AuditFile(config.audit.logFile) : null) },
        SecurityEvents,
      ],
      exports: [SecurityEvents],
    };
  }
}
