import { Writable } from 'node:stream';

/** Every line the app writes (pass `stream` as the test app's logDestination), parsed; the raw text too. */
export class CapturedLog {
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      this.raw.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });

  get lines(): Record<string, any>[] {
    return this.raw.map((line) => JSON.parse(line) as Record<string, any>);
  }

  /** The security events of that name, oldest first (they need LOG_LEVEL=info or lower). */
  events(name: string): Record<string, any>[] {
    return this.lines.filter((line) => line.securityEvent === true && line.event === name);
  }
}
