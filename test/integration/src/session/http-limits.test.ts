// The service's limits over real sockets: a peer that stops reading, half-open HTTP requests, a
// lobby flood, clients behind a trusted reverse proxy, and metrics kept private.
import { encode } from 'msgpackr';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloud, type Cloud } from '../../../../src/index.js';
import { CloseCode, RequestType } from '../../../../src/protocol/index.js';
import { buildSessionService, type SessionService } from '../../../../src/session/service.js';
import type { SessionServiceOptions } from '../../../../src/session/options.js';
import { waitFor } from '../../../support/loopback.js';
import { openRawSignaling } from '../../../support/ws-attacker.js';

const open: Array<SessionService | Cloud> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((service) => service.close()));
});

async function serve(options: SessionServiceOptions = {}): Promise<string> {
  const service = buildSessionService(options);
  open.push(service);
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${port}`;
}

async function metricValue(url: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('session service limits over real sockets', () => {
  it('closes a peer that stops reading (4004) instead of buffering without end', async () => {
    const url = await serve({ maxBufferedBytes: 64 * 1024, maxListBytes: 60_000, requestsPerSecond: 10_000, requestBurst: 10_000 });
    for (let i = 0; i < 60; i++) {
      const host = await openRawSignaling(url);
      await host.hello();
      host.send(encode({ type: RequestType.CREATE, id: 2, name: `s${i}`, properties: { blob: 'x'.repeat(900) }, lobbyKeys: ['blob'] }));
    }
    const reader = await openRawSignaling(url, { localAddress: '127.0.0.2' });
    await reader.hello();
    (reader.socket as unknown as { _socket: Socket })._socket.pause();
    for (let i = 0; i < 600; i++) reader.send(encode({ type: RequestType.LIST, id: 10 + i }));
    await expect.poll(() => metricValue(url, 'punchthrough_session_connections_refused_total', 'send_buffer_full'), { timeout: 10_000 }).toBe(1);
    reader.socket.terminate();
  });

  it('caps the sessions throwaway connections leave behind, per address, while another address still creates', async () => {
    const url = await serve({ maxSessionsPerAddress: 20 });
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const creator = await openRawSignaling(url, { localAddress: '127.0.0.2' });
      await creator.hello();
      const before = creator.received.length;
      creator.send(encode({ type: RequestType.CREATE, id: 2, playerTtlMs: 300_000, emptySessionTtlMs: 300_000 }));
      await waitFor(() => creator.received.length > before, 'the create reply');
      codes.push(Buffer.from(creator.received[before]!).includes('LIMIT_EXCEEDED') ? 'LIMIT_EXCEEDED' : 'created');
      creator.socket.terminate();
    }
    expect(codes.filter((c) => c === 'created')).toHaveLength(20);
    expect(codes.slice(20).every((c) => c === 'LIMIT_EXCEEDED')).toBe(true);
    const other = await openRawSignaling(url);
    await other.hello();
    other.send(encode({ type: RequestType.CREATE, id: 2 }));
    await waitFor(() => other.received.length > 1, 'the create reply');
    expect(Buffer.from(other.received[1]!).includes('LIMIT_EXCEEDED')).toBe(false);
    other.socket.close();
  });

  it('holds half-open HTTP requests from one address to its cap, times them out, and keeps serving others', async () => {
    const url = await serve({ httpRequestTimeoutMs: 1_000, maxConnectionsPerAddress: 16 });
    const port = Number(new URL(url).port);
    let closedEarly = 0;
    await Promise.all(
      Array.from({ length: 1001 }, () =>
        new Promise<void>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => {
            socket.write('GET /v1/sessions?appId=a&appVersion=1 HTTP/1.1\r\nHost: x\r\n');
            resolve();
          });
          socket.on('error', () => resolve());
          socket.on('close', () => {
            closedEarly += 1;
            resolve();
          });
          // Read what comes (the 408), or the socket never sees its end.
          socket.resume();
        }),
      ),
    );
    // 16 + 16 headroom held at most; the rest are closed at once.
    await expect.poll(() => closedEarly, { timeout: 900 }).toBeGreaterThanOrEqual(1001 - 32);
    const healthy = await fetch(`${url}/v1/sessions?appId=a&appVersion=1`);
    expect(healthy.status).toBe(200);
    // The held ones get 408 once the request timeout passes.
    for (let waited = 0; waited < 10_000 && closedEarly < 1001; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(closedEarly).toBe(1001);
  });

  it('rate-limits the HTTP lobby per client address', async () => {
    const url = await serve({ httpRequestsPerSecond: 5, httpRequestBurst: 20 });
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () => fetch(`${url}/v1/sessions?appId=a&appVersion=1`).then((r) => r.status)),
    );
    // The burst, plus what the rate refilled while the requests were arriving.
    const allowed = 20 + Math.ceil((5 * (performance.now() - started)) / 1000);
    const refused = statuses.filter((s) => s === 429).length;
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(allowed);
    expect(refused).toBeGreaterThanOrEqual(100 - allowed);
    expect(await metricValue(url, 'punchthrough_session_http_rate_limited_total', '')).toBe(refused);
  });

  it('counts clients behind a trusted proxy by X-Forwarded-For, and ignores the header from anyone else', async () => {
    const trusted = await serve({ trustedProxies: ['127.0.0.1'], maxConnectionsPerAddress: 2 });
    const distinct = await Promise.all(['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((ip) => openRawSignaling(trusted, { headers: { 'X-Forwarded-For': ip } })));
    const same = await Promise.all([0, 1, 2].map(() => openRawSignaling(trusted, { headers: { 'X-Forwarded-For': '198.51.100.9' } })));
    expect(await Promise.race([same[2]!.closed, new Promise((r) => setTimeout(() => r('open'), 300))])).toBe(CloseCode.TRY_AGAIN_LATER);
    for (const socket of distinct) expect(socket.socket.readyState).toBe(socket.socket.OPEN);

    const untrusted = await serve({ maxConnectionsPerAddress: 2 });
    const spoofed = await Promise.all(['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((ip) => openRawSignaling(untrusted, { headers: { 'X-Forwarded-For': ip } })));
    expect(await spoofed[2]!.closed).toBe(CloseCode.TRY_AGAIN_LATER);
    for (const socket of [...distinct, ...same, ...spoofed]) socket.socket.close();
  });

  it('serves /metrics behind a bearer token, or on a separate loopback listener only', async () => {
    const url = await serve({ metricsToken: 's3cret' });
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);

    const cloud = await createCloud({ host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, metricsPort: 0 });
    open.push(cloud);
    expect((await fetch(`${cloud.httpUrl}/metrics`)).status).toBe(404);
    const metrics = await fetch(`http://127.0.0.1:${cloud.metricsEndpoint!.port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('punchthrough_session_connected_peers');
  });
});
