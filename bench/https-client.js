// @ts-check
'use strict';
// A minimal JSON client over HTTPS with keep-alive, verifying the server
// against the bench's own dev CA (never rejectUnauthorized: false). Used for
// readiness checks, user enrollment, the login flood and the latency probe.
const https = require('node:https');

function createClient({ port, ca, maxSockets = 32, host = '127.0.0.1' }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets, ca, servername: 'localhost' });

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, token?: string, headers?: Record<string, string>, timeoutMs?: number }} [options]
   */
  function request(method, path, { body, token, headers = {}, timeoutMs = 30_000 } = {}) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    /** @type {Record<string, string>} */
    const allHeaders = { accept: 'application/json', ...headers };
    if (payload) {
      allHeaders['content-type'] = 'application/json';
      allHeaders['content-length'] = String(payload.length);
    }
    if (token) allHeaders.authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host, port, method, path, agent, headers: allHeaders, servername: 'localhost' },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode, body: json, text });
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  return {
    get: (path, options) => request('GET', path, options),
    post: (path, options) => request('POST', path, options),
    close: () => agent.destroy(),
  };
}

module.exports = { createClient };
