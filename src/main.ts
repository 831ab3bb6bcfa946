import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { restrictNewFilesToOwner } from './common/owner-only-files';
import { ConfigError } from './config/config.error';
import { readEnvironment } from './config/env.source';

async function bootstrap(): Promise<void> {
  restrictNewFilesToOwner();
  const { app, config } = await createApp(readEnvironment());
  await app.listen({ host: config.http.host, port: config.http.port });
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host;
  Logger.log(`Listening on https://${host}:${config.http.port}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  // A configuration error is the operator's to fix: its message names the
  // variable, and a stack trace would only bury it.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Startup failed:', error);
  process.exit(1);
});
