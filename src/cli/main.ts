import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommanderError } from 'commander';
import { restrictNewFilesToOwner } from '../common/owner-only-files';
import { ConfigError } from '../config/config.error';
import { readEnvironment } from '../config/env.source';
import { loadConfig } from '../config/load-config';
import { resolveRuntimeSecrets } from '../config/runtime-secrets';
import { AdminService } from './admin.service';
import { CliError } from './cli-error';
import type { CliContext, CliIo, CliRuntime } from './cli-runtime';
import { CliModule } from './cli.module';
import { registerCertCommands } from './commands/certs.commands';
import { registerSecretCommands } from './commands/secrets.commands';
import { registerSessionCommands } from './commands/sessions.commands';
import { registerUserCommands } from './commands/users.commands';
import { Prompter } from './prompt';

/**
 * The admin CLI: `npm run cli -- <command>`. Works on the configured
 * database directly (same environment, same validation and secrets as the
 * API), through the API's own services, so every rule (password policy,
 * sealed TOTP secrets, replay step, session revocation) is the same.
 * Returns the exit code: 0 done, 1 error, 2 nothing could be done.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const prompter = new Prompter(io.stdin, io.stderr);
  let exitCode = 0;

  const cli: CliRuntime = {
    io,
    out: (line = '') => io.stdout.write(`${line}\n`),
    info: (line) => io.stderr.write(`${line}\n`),
    prompter,
    withContext: async (run) => {
      const context = await openContext(io.env(), cli.info);
      try {
        exitCode = (await run(context)) ?? 0;
      } finally {
        await context.app.close();
      }
    },
  };

  const program = new Command('cli')
    .description('Administration of the nest-2fa-api database (same configuration as the API)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();
  registerUserCommands(program, cli);
  registerSessionCommands(program, cli);
  registerSecretCommands(program, cli);
  registerCertCommands(program, cli);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.stderr.write(`Error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    io.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    prompter.close();
  }
}

async function openContext(env: Record<string, string | undefined>, info: (line: string) => void): Promise<CliContext> {
  const config = loadConfig(env);
  const secrets = await resolveRuntimeSecrets(config, info);
  const app = await NestFactory.createApplicationContext(CliModule.register(config, secrets), {
    // The CLI's own messages are the output; the framework only speaks up for problems, on stderr.
    logger: stderrLogger,
    abortOnError: false,
  });
  return { app, admin: app.get(AdminService), config };
}

const stderrLogger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => process.stderr.write(`warning: ${String(message)}\n`),
  error: (message: unknown) => process.stderr.write(`error: ${String(message)}\n`),
  fatal: (message: unknown) => process.stderr.write(`fatal: ${String(message)}\n`),
};

function defaultIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: () => readEnvironment() };
}

if (require.main === module) {
  restrictNewFilesToOwner();
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
