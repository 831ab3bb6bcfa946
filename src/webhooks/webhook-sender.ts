import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { webhookHeaders } from './webhook-signer';

export interface WebhookTarget {
  url: string;
  key: Buffer;
  caFile?: string;
  timeoutMs: number;
}

/** What one attempt came to: a 2xx, or why not (for last_error and the log). */
export type AttemptOutcome = { delivered: true } | { delivered: false; error: string };

/**
 * One POST per attempt, signed afresh (the timestamp is the attempt's).
 * Certificates are verified always: SECURITY_WEBHOOK_CA_FILE adds a CA for a
 * private receiver to the system roots, it never turns verification off.
 * Redirects are not followed (a 3xx is a failure): the signed body goes to
 * the configured URL and nowhere else.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly target: WebhookTarget) {
    const ca = target.caFile ? [...rootCertificates, readFileSync(target.caFile, 'utf8')] : undefined;
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, ca });
  }

  send(id: string, body: string, signal: AbortSignal): Promise<AttemptOutcome> {
    const headers = webhookHeaders(this.target.key, id, Math.floor(Date.now() / 1000), body);
    return new Promise<AttemptOutcome>((resolve) => {
      const timeout = AbortSignal.timeout(this.target.timeoutMs);
      const req = request(this.target.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body), 'user-agent': 'nest-2fa-api-webhooks' },
        signal: AbortSignal.any([signal, timeout]),
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        // The receiver's body is not read: only its status counts.
        res.resume();
        res.on('end', () =>
          resolve(status >= 200 && status < 300 ? { delivered: true } : { delivered: false, error: `HTTP ${status}` }),
        );
        res.on('error', (error) => resolve({ delivered: false, error: describe(error, timeout) }));
        // Cut off mid-body (the timeout or a reset): a promise settles once, so after 'end' this is a no-op.
        res.on('close', () =>
          resolve({ delivered: false, error: timeout.aborted ? 'timed out' : 'connection closed' }),
        );
      });
      req.on('error', (error) => resolve({ delivered: false, error: describe(error, timeout) }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function describe(error: Error, timeout: AbortSignal): string {
  if (timeout.aborted) return 'timed out';
  const code = (error as NodeJS.ErrnoException).code;
  return (code ? `${code}: ` : '') + error.message.slice(0, 200);
}
