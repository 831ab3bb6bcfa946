import * as readline from 'node:readline';
import { CliError } from './cli-error';

/**
 * Line input for the CLI, from a terminal or a pipe. One readline interface
 * reads stdin for the whole run and queues lines, so piped answers that
 * arrive before their question are not lost. On a terminal, secret() turns
 * echo off: the typed characters are never written back.
 */
export class Prompter {
  private readonly rl: readline.Interface;
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string | null) => void)[] = [];
  private closed = false;
  private muted = false;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WriteStream = process.stderr,
  ) {
    const terminal = Boolean(input.isTTY);
    this.rl = readline.createInterface({ input, output: terminal ? output : undefined, terminal });
    if (terminal) {
      // readline echoes keystrokes through this method: muted, nothing is shown.
      const rl = this.rl as unknown as { _writeToOutput(text: string): void };
      rl._writeToOutput = (text: string) => {
        if (!this.muted) output.write(text);
      };
    }
    this.rl.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.closed = true;
      for (const next of this.waiting.splice(0)) next(null);
    });
  }

  get isInteractive(): boolean {
    return Boolean(this.input.isTTY);
  }

  /** Reads one line; null at end of input. */
  async line(prompt?: string): Promise<string | null> {
    if (prompt) this.output.write(prompt);
    const queued = this.lines.shift();
    if (queued !== undefined) return queued;
    if (this.closed) return null;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Reads one line without echo on a terminal. */
  async secret(prompt: string): Promise<string> {
    this.muted = false;
    this.output.write(prompt);
    this.muted = this.isInteractive;
    try {
      const value = await this.line();
      if (value === null) throw new CliError('No input: stdin ended before an answer was given');
      return value;
    } finally {
      this.muted = false;
      if (this.isInteractive) this.output.write('\n');
    }
  }

  close(): void {
    this.rl.close();
  }
}
