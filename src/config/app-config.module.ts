import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AppConfig } from './app-config';
import { AppConfigService } from './app-config.service';
import type { RuntimeSecrets } from './runtime-secrets';

export const RUNTIME_SECRETS = Symbol('RUNTIME_SECRETS');

/**
 * The configuration is validated by loadConfig before the container exists
 * (TLS options and the HTTP adapter need it first); this module hands that
 * one validated object to @nestjs/config instead of re-reading the
 * environment, so every instance in a process can carry its own.
 */
@Global()
@Module({})
export class AppConfigModule {
  static register(config: AppConfig, secrets: RuntimeSecrets): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ app: config })],
        }),
      ],
      providers: [AppConfigService, { provide: RUNTIME_SECRETS, useValue: secrets }],
      exports: [AppConfigService, RUNTIME_SECRETS],
    };
  }
}
