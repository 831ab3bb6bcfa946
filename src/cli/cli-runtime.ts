import type { INestApplicationContext } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { AdminService } from './admin.service';
import type { Prompter } from './prompt';

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: () => Record<string, string | undefined>;
}

/** The API's services on the configured database, for one command. */
export interface CliContext {
  app: INestApplicationContext;
  admin: AdminService;
  config: AppConfig;
}

/** What every command group gets from runCli. */
export interface CliRuntime {
  io: CliIo;
  /** A line of the command's output, on stdout. */
  out: (line?: string) => void;
  /** Progress, notes and questions, on stderr. */
  info: (line: string) => void;
  prompter: Prompter;
  /** Runs a command on an open context, closed afterwards; its result is the exit code (default 0). */
  withContext: (run: (context: CliContext) => Promise<number | void>) => Promise<void>;
}
