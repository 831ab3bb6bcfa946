import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfigService } from '../config/app-config.service';
import { dataSourceOptions } from './data-source-options';
import { MigrationRunner } from './migration-runner';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        ...dataSourceOptions(config.app.database.url, config.app.database.poolSize),
        // Each feature registers its own entities (TypeOrmModule.forFeature),
        // so this module depends on none of them.
        autoLoadEntities: true,
        // A database that is down at startup stops the process after a few
        // tries, with a clear error, instead of serving without it.
        retryAttempts: 3,
        retryDelay: 2000,
      }),
    }),
  ],
  providers: [MigrationRunner],
})
export class DatabaseModule {}
