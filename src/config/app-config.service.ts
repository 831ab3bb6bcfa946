import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from './app-config';

/** Typed access to the validated configuration; nothing else reads the environment. */
@Injectable()
export class AppConfigService {
  readonly app: AppConfig;

  constructor(configService: ConfigService) {
    this.app = configService.getOrThrow<AppConfig>('app');
  }
}
