// The fleet reporter against a real HTTP receiver on port 0 and a real relay on loopback: auth, schema, load, drain.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeUdpSocketFactory, createRealClock, createSilentLogger, type Logger, type UdpSocket } from '../../../core/index.js';
import {
  createFleetReporter,
  createHttpReportSink,
  createRelayClient,
  createRelayServer,
  createTicketIssuer,
  deriveRelayKey,
  parseRelayReport,
  RELAY_REPORT_PATH,
  type FleetReporter,
  type RelayClient,
  type RelayReport,
  type RelayServer,
} from '../../../relay/index.js';

const master = 'fleet reporter test master secret';
const TOKEN = 'relay-registration-token-for-tests';

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
  report: RelayReport | undefined;
}

/** A registry stand-in: records every request, answers as `answer` says (status and body). */
async function receiver(answer: () => { status: number; body: string } = () => ({ status: 200, body: '{"assigned":0}' })) {
  const received: Received[] = [];
  const read = (request: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => resolve(text));
    });
  const server: Server = createServer((request, response) => {
    void read(request).then((body) => {
      let report: RelayReport | undefined;
      try {
        const parsed = parseRelayReport(JSON.parse(body));
        report = parsed.ok ? parsed.value : undefined;
      } catch {
        report = undefined;
      }
      received.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, contentType: request.headers['content-type'], body, report });
      const { status, body: out } = answer();
      response.writeHead(status, { 'content-type': 'application/json' }).end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fleet reporter', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function relay(id = 'r1'): Promise<RelayServer> {
    const server = await createRelayServer({ secret: deriveRelayKey(master, id), relayId: id, host: '127.0.0.1', port: 0, maxBindings: 100 });
    cleanups.push(() => server.close());
    return server;
  }

  async function peer(server: RelayServer, id: string, sessionId: string, actor: number): Promise<RelayClient> {
    const socket: UdpSocket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    const issuer = createTicketIssuer({ secret: deriveRelayKey(master, id), relayId: id });
    const client = createRelayClient({ socket, relay: server.address(), ticket: issuer.issue(sessionId, actor).ticket });
    cleanups.push(async () => {
      client.close();
      await socket.close();
    });
    await client.bind();
    return client;
  }

  function start(server: RelayServer, url: string, extra: { drainTimeoutMs?: number; logger?: Logger; token?: string } = {}): FleetReporter {
    const reporter = createFleetReporter(
      { clock: createRealClock(), logger: extra.logger ?? createSilentLogger() },
      {
        relay: server,
        sink: createHttpReportSink({ url, token: extra.token ?? TOKEN, timeoutMs: 500 }),
        id: 'r1',
        region: 'eu',
        endpoint: `127.0.0.1:${server.address().port}`,
        wsUrl: 'ws://127.0.0.1:1/v1/relay',
        maxBindings: 100,
        capacityPps: 1_000,
        intervalMs: 100,
        windowSamples: 1,
        ...(extra.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: extra.drainTimeoutMs }),
      },
    );
    cleanups.push(() => reporter.close());
    return reporter;
  }

  it('POSTs a schema-valid report with the Bearer token every interval, counting bindings and sessions', async () => {
    const registry = await receiver();
    cleanups.push(registry.close);
    const server = await relay();
    start(server, registry.url);
    await until(() => registry.received.length >= 2);
    const first = registry.received[0]!;
    expect(first).toMatchObject({ method: 'POST', url: RELAY_REPORT_PATH, authorization: `Bearer ${TOKEN}`, contentType: 'application/json' });
    expect(first.report).toMatchObject({ id: 'r1', region: 'eu', state: 'normal', level: 0, bindings: 0, sessions: 0, wsUrl: 'ws://127.0.0.1:1/v1/relay' });
    expect(Buffer.byteLength(first.body)).toBeLessThan(4096);
    expect(first.report!.endpoint).toBe(`127.0.0.1:${server.address().port}`);

    await peer(server, 'r1', 'sA', 1);
    await peer(server, 'r1', 'sA', 2);
    await peer(server, 'r1', 'sB', 1);
    const seen = registry.received.length;
    await until(() => registry.received.slice(seen).some((r) => r.report?.bindings === 3));
    const withPeers = registry.received.slice(seen).find((r) => r.report?.bindings === 3)!.report!;
    expect(withPeers).toMatchObject({ bindings: 3, sessions: 2, inputs: { bindingsPct: 3 } });
    // One epoch per run, and report times that move forward.
    const epochs = new Set(registry.received.map((r) => r.report?.epoch));
    expect(epochs.size).toBe(1);
    const times = registry.received.map((r) => r.report!.reportedAtMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('reports packets/s against the configured capacity and raises the level under load', async () => {
    const registry = await receiver();
    cleanups.push(registry.close);
    const server = await relay();
    start(server, registry.url);
    const a = await peer(server, 'r1', 'load', 1);
    await peer(server, 'r1', 'load', 2);
    // ~2,000 datagrams/s for a while: 200 % of a 1,000 pkt/s capacity.
    const pump = setInterval(() => {
      for (let i = 0; i < 20; i++) a.send(2, Buffer.from('x'));
    }, 10);
    cleanups.push(() => clearInterval(pump));
    await until(() => registry.received.some((r) => (r.report?.inputs.ppsPct ?? 0) > 90 && r.report!.level === 9), 10_000);
  });

  it('drains: reports draining at once, resolves "empty" when the last binding unbinds', async () => {
    const registry = await receiver();
    cleanups.push(registry.close);
    const server = await relay();
    const reporter = start(server, registry.url);
    const a = await peer(server, 'r1', 's', 1);
    const b = await peer(server, 'r1', 's', 2);
    await until(() => registry.received.length >= 1);
    const drained = reporter.drain();
    expect(reporter.drain()).toBe(drained);
    expect(reporter.state).toBe('draining');
    await until(() => registry.received.some((r) => r.report?.state === 'draining'));
    let outcome: string | undefined;
    void drained.then((value) => (outcome = value));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outcome).toBeUndefined();
    a.close();
    b.close();
    expect(await drained).toBe('empty');
    expect(server.stats().bindings).toBe(0);
  });

  it('drains with bindings left until drainTimeoutMs, then resolves "timeout"', async () => {
    const registry = await receiver();
    cleanups.push(registry.close);
    const server = await relay();
    const reporter = start(server, registry.url, { drainTimeoutMs: 400 });
    await peer(server, 'r1', 's', 1);
    const began = Date.now();
    expect(await reporter.drain()).toBe('timeout');
    expect(Date.now() - began).toBeGreaterThanOrEqual(350);
    expect(server.stats().bindings).toBe(1);
  });

  it('keeps retrying a registry that refuses or is down, logging once per change of state', async () => {
    let status = 401;
    const registry = await receiver(() => ({ status, body: status === 200 ? 'not even JSON' : '{"error":"bad token"}' }));
    cleanups.push(registry.close);
    const server = await relay();
    const lines: Array<{ msg: string }> = [];
    const logger: Logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as { msg: string });
          done();
        },
      }),
    );
    const reporter = start(server, registry.url, { logger, token: 'wrong' });
    await until(() => reporter.counters.failed >= 3);
    expect(reporter.registered).toBe(false);
    status = 200; // any 2xx body is tolerated
    await until(() => reporter.counters.sent >= 2);
    expect(reporter.registered).toBe(true);
    const unreachable = lines.filter((line) => line.msg.includes('unreachable'));
    const reachable = lines.filter((line) => line.msg.includes('reachable: reporting'));
    expect(unreachable).toHaveLength(1);
    expect(reachable).toHaveLength(1);
    // The registry goes away entirely: connection refused, counted, logged once more.
    await registry.close();
    const failedBefore = reporter.counters.failed;
    await until(() => reporter.counters.failed >= failedBefore + 3);
    expect(lines.filter((line) => line.msg.includes('unreachable'))).toHaveLength(2);
  });

  it('a registry that never answers costs one report in flight, not a queue, and never stalls forwarding', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      hung.closeAllConnections();
      return new Promise<void>((resolve) => hung.close(() => resolve()));
    });
    const server = await relay();
    const reporter = start(server, `http://127.0.0.1:${(hung.address() as AddressInfo).port}`);
    const a = await peer(server, 'r1', 'f', 1);
    const b = await peer(server, 'r1', 'f', 2);
    const got = new Promise<string>((resolve) => b.onMessage((_from, payload) => resolve(Buffer.from(payload).toString())));
    a.send(2, Buffer.from('still forwarding'));
    expect(await got).toBe('still forwarding');
    await until(() => reporter.counters.failed >= 1 && reporter.counters.skipped >= 1, 5_000);
  });
});
