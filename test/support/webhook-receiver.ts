import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { devCertificatePaths, ensureDevCertificates } from '../../src/tls/dev-certificates';
import { TEST_CERTS_DIR } from './test-app';

/** One POST the receiver got, and what it answered (null: it never answered). */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  status: number | null;
}

export interface WebhookPayload {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { userId: string };
}

/** What the receiver answers: a status, or 'hang' (never answers, until set otherwise). */
export type ReceiverAnswer = number | 'hang';

/**
 * A security-webhook receiver over HTTPS with the test server certificate
 * (issued by the dev CA, which the app trusts through
 * SECURITY_WEBHOOK_CA_FILE, never by turning verification off). It records
 * every request and verifies signatures with the Standard Webhooks
 * reference implementation, not with the app's own code.
 */
export class WebhookReceiver {
  readonly secret = `whsec_${randomBytes(32).toString('base64')}`;
  readonly received: ReceivedWebhook[] = [];
  private answer: ReceiverAnswer = 200;

  private constructor(private readonly server: Server) {
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const entry: ReceivedWebhook = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status: null,
        };
        this.received.push(entry);
        if (this.answer === 'hang') return;
        entry.status = this.answer;
        res.writeHead(this.answer, { 'content-type': 'text/plain' }).end('ok');
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const paths = await ensureDevCertificates(TEST_CERTS_DIR, () => undefined);
    const server = createServer({ cert: readFileSync(paths.serverCert), key: readFileSync(paths.serverKey) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new WebhookReceiver(server);
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/security-events`;
  }

  /** The app's environment for this receiver: URL, secret, the dev CA, quick retries. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      SECURITY_WEBHOOK_URL: this.url,
      SECURITY_WEBHOOK_SECRET: this.secret,
      SECURITY_WEBHOOK_CA_FILE: devCertificatePaths(TEST_CERTS_DIR).caCert,
      SECURITY_WEBHOOK_RETRY_BASE_MS: '20',
      ...overrides,
    };
  }

  /** From now on every request gets this answer; requests left hanging are cut off when it changes. */
  answerWith(answer: ReceiverAnswer): void {
    this.answer = answer;
    if (answer !== 'hang') this.server.closeAllConnections();
  }

  /** The verified payloads of the requests answered 2xx, in the order they arrived. */
  delivered(): WebhookPayload[] {
    return this.received.filter((r) => r.status !== null && r.status < 300).map((r) => this.verify(r));
  }

  /** Throws unless the reference implementation accepts the signature. */
  verify(request: ReceivedWebhook): WebhookPayload {
    return new Webhook(this.secret).verify(request.body, request.headers as Record<string, string>) as WebhookPayload;
  }

  /** The delivered events of one user, in delivery order. */
  deliveredFor(userId: string): WebhookPayload[] {
    return this.delivered().filter((payload) => payload.data.userId === userId);
  }

  /** Waits until `ready` holds; no deadline of its own (Jest's test timeout is the limit). */
  async until<T>(ready: () => T | undefined | false): Promise<T> {
    for (;;) {
      const value = ready();
      if (value) return value;
      await sleep(20);
    }
  }

  /** Waits until `count` events of the user were delivered; returns them. */
  eventsFor(userId: string, count: number): Promise<WebhookPayload[]> {
    return this.until(() => {
      const events = this.deliveredFor(userId);
      return events.length >= count ? events : undefined;
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
