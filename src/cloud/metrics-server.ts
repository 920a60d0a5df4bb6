/** A listener of its own for `GET /metrics`, so an operator can keep metrics off the public port. */
import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import { hasBearerToken } from '../session/service.js';
import type { UdpEndpoint } from '../../core/index.js';

export interface MetricsServer {
  readonly endpoint: UdpEndpoint;
  close(): Promise<void>;
}

/** Serves `registry` at `/metrics` on host:port (port 0 picks one), behind `token` when given. */
export async function serveMetrics(registry: Registry, host: string, port: number, token: string | undefined): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    if (token !== undefined && !hasBearerToken(request.headers.authorization, token)) {
      response.writeHead(401).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  // Scrapers send one short request; a slow one is not waited for.
  server.headersTimeout = 5_000;
  server.requestTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the metrics listener is not on TCP');
  return {
    endpoint: { address: address.address, port: address.port, family: address.family === 'IPv6' ? 'IPv6' : 'IPv4' },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
