import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Response<T = any> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is, bypassing JSON encoding (malformed-body tests). */
  rawBody?: string | Buffer;
  token?: string;
  headers?: Record<string, string | string[]>;
  /** Source address of the client socket: 127.0.0.2, ::1 … */
  localAddress?: string;
  /** Server address to connect to; 127.0.0.1 by default. */
  host?: string;
  /**
   * Send `headers` exactly as given: no Content-Type, Content-Length or
   * Authorization added (hostile-header tests). Without a Content-Length a
   * body goes out chunked.
   */
  exactHeaders?: boolean;
}

/**
 * A plain node:https client that verifies the server against the dev CA
 * (no rejectUnauthorized: false anywhere) and can bind its socket to any
 * loopback address, which is how tests act as different clients.
 */
export class HttpsClient {
  constructor(
    private readonly port: number,
    private readonly ca: Buffer,
    private readonly defaults: RequestOptions = {},
  ) {}

  as(localAddress: string): HttpsClient {
    return new HttpsClient(this.port, this.ca, { ...this.defaults, localAddress });
  }

  get<T = any>(path: string, options: RequestOptions = {}) {
    return this.send<T>('GET', path, options);
  }

  post<T = any>(path: string, options: RequestOptions = {}) {
    return this.send<T>('POST', path, options);
  }

  send<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Response<T>> {
    const merged = { ...this.defaults, ...options };
    const payload =
      merged.rawBody ?? (merged.body === undefined ? undefined : Buffer.from(JSON.stringify(merged.body)));
    const headers: Record<string, string | string[] | number> = { ...(merged.headers ?? {}) };
    if (!merged.exactHeaders) {
      if (merged.body !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
      if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
      if (merged.token) headers.authorization = `Bearer ${merged.token}`;
    }
    const host = merged.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host,
          port: this.port,
          method,
          path,
          headers,
          ca: this.ca,
          servername: host.includes(':') ? undefined : 'localhost',
          localAddress: merged.localAddress,
          agent: false,
        },
        (res) => {
          // A HEAD answer ends with its headers: anything after them (a server's mistake) is not waited for.
          if (method === 'HEAD') {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: undefined as T, text: '' });
            res.resume();
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON: the test sees the text.
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}
