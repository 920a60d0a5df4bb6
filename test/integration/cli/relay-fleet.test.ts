// `punchthrough relay` as a relay of a fleet, spawned from the built bin: registration, its own key, --drain, relay-key, Redis.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNodeUdpSocketFactory, parseEndpoint, type UdpSocket } from '../../../core/index.js';
import { createRelayClient, createTicketIssuer, deriveRelayKey, parseRelayReport, type RelayClient, type RelayReport } from '../../../relay/index.js';
import { CLI_PATH, spawnCli, type SpawnedCli } from '../../support/cli.js';
import { REDIS_MISSING, redisAvailable, startRedis, type TestRedis } from '../../support/redis.js';

const master = 'the fleet master secret for cli tests';
const TOKEN = 'cli-fleet-registration-token';

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('punchthrough relay in a fleet', () => {
  const running: SpawnedCli[] = [];
  const sockets: UdpSocket[] = [];
  const clients: RelayClient[] = [];
  let dir: string;
  let registry: Server;
  let registryUrl: string;
  const reports: Array<{ authorization: string | undefined; report: RelayReport | undefined }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'punchthrough-fleet-cli-'));
    registry = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const parsed = parseRelayReport(JSON.parse(body));
        reports.push({ authorization: request.headers.authorization, report: parsed.ok ? parsed.value : undefined });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"assigned":0}');
      });
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => registry.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    await Promise.all(running.splice(0).map((cli) => cli.stop()));
    reports.splice(0);
  });

  async function bind(relay: string, ticket: Uint8Array): Promise<RelayClient> {
    const socket = await createNodeUdpSocketFactory().bind({ type: 'udp4', address: '127.0.0.1' });
    sockets.push(socket);
    const client = createRelayClient({ socket, relay: parseEndpoint(relay)!, ticket });
    clients.push(client);
    await client.bind();
    return client;
  }

  function keyFile(relayId: string): string {
    const path = join(dir, `${relayId}.key`);
    writeFileSync(path, `${Buffer.from(deriveRelayKey(master, relayId)).toString('hex')}\n`);
    return path;
  }

  it('registers over HTTP with its token, binds tickets for its id only, and drains on --drain, exiting 0 when empty', async () => {
    const pidFile = join(dir, 'r1.pid');
    const cli = spawnCli(
      ['relay', '--host', '127.0.0.1', '--port', '0', '--json', '--relay-id', 'r1', '--region', 'eu', '--register', registryUrl, '--ticket-key-file', keyFile('r1'), '--pid-file', pidFile],
      { PUNCHTHROUGH_RELAY_TOKEN: TOKEN },
    );
    running.push(cli);
    const ready = await cli.waitFor((line) => line.event === 'ready');
    expect(ready.relayId).toBe('r1');
    const relay = String(ready.relay);
    expect(existsSync(pidFile)).toBe(true);
    await until(() => reports.length >= 1);
    expect(reports[0]).toMatchObject({ authorization: `Bearer ${TOKEN}`, report: { id: 'r1', region: 'eu', endpoint: relay, state: 'normal' } });

    const forR1 = createTicketIssuer({ secret: deriveRelayKey(master, 'r1'), relayId: 'r1' });
    const forR2 = createTicketIssuer({ secret: deriveRelayKey(master, 'r2'), relayId: 'r2' });
    const legacy = createTicketIssuer({ secret: master });
    const host = await bind(relay, forR1.issue('game', 1).ticket);
    await expect(bind(relay, forR2.issue('game', 2).ticket)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(bind(relay, legacy.issue('game', 3).ticket)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    const guest = await bind(relay, forR1.issue('game', 2).ticket);
    await until(() => reports.some((r) => r.report?.bindings === 2 && r.report.sessions === 1));

    const drain = spawnSync(process.execPath, [CLI_PATH, 'relay', '--drain', '--pid-file', pidFile], { encoding: 'utf8' });
    expect(drain.status).toBe(0);
    await cli.waitFor((line) => line.event === 'draining');
    await until(() => reports.some((r) => r.report?.state === 'draining'));
    // Bound peers keep relaying while it drains.
    const got = new Promise<string>((resolve) => guest.onMessage((_from, payload) => resolve(Buffer.from(payload).toString())));
    host.send(2, Buffer.from('during the drain'));
    expect(await got).toBe('during the drain');
    expect(cli.lines.some((line) => line.event === 'closed')).toBe(false);

    host.close();
    guest.close();
    expect(await cli.exited).toBe(0);
    expect(cli.lines.find((line) => line.event === 'drained')).toMatchObject({ outcome: 'empty', relayId: 'r1' });
    expect(cli.lines.at(-1)).toMatchObject({ event: 'closed' });
    expect(existsSync(pidFile)).toBe(false);
  });

  it('derives its key from the master secret in the environment when given no key', async () => {
    const cli = spawnCli(['relay', '--host', '127.0.0.1', '--port', '0', '--json', '--relay-id', 'r7'], { PUNCHTHROUGH_RELAY_SECRET: master });
    running.push(cli);
    const ready = await cli.waitFor((line) => line.event === 'ready');
    await bind(String(ready.relay), createTicketIssuer({ secret: deriveRelayKey(master, 'r7'), relayId: 'r7' }).issue('s', 1).ticket);
  });

  it('a drain with no bindings exits 0 at once; a drain timeout exits 0 with bindings left', async () => {
    const pidFile = join(dir, 'idle.pid');
    const idle = spawnCli(['relay', '--host', '127.0.0.1', '--port', '0', '--json', '--pid-file', pidFile], { PUNCHTHROUGH_RELAY_SECRET: master });
    running.push(idle);
    await idle.waitFor((line) => line.event === 'ready');
    idle.child.kill('SIGUSR2');
    expect(await idle.exited).toBe(0);
    expect(idle.lines.find((line) => line.event === 'drained')).toMatchObject({ outcome: 'empty' });

    const busy = spawnCli(['relay', '--host', '127.0.0.1', '--port', '0', '--json', '--drain-timeout-ms', '500'], { PUNCHTHROUGH_RELAY_SECRET: master });
    running.push(busy);
    const ready = await busy.waitFor((line) => line.event === 'ready');
    await bind(String(ready.relay), createTicketIssuer({ secret: master }).issue('s', 1).ticket);
    busy.child.kill('SIGUSR2');
    expect(await busy.exited).toBe(0);
    expect(busy.lines.find((line) => line.event === 'drained')).toMatchObject({ outcome: 'timeout' });
    expect(busy.lines.at(-1)).toMatchObject({ event: 'closed', stats: { bindings: 1 } });
  });

  it('relay-key prints the derived key from the environment or stdin', () => {
    const expected = Buffer.from(deriveRelayKey(master, 'eu-2')).toString('hex');
    const fromEnv = spawnSync(process.execPath, [CLI_PATH, 'relay-key', '--relay-id', 'eu-2'], { encoding: 'utf8', env: { ...process.env, PUNCHTHROUGH_RELAY_SECRET: master } });
    expect(fromEnv).toMatchObject({ status: 0, stdout: `${expected}\n` });
    const env = { ...process.env };
    delete env.PUNCHTHROUGH_RELAY_SECRET;
    const fromStdin = spawnSync(process.execPath, [CLI_PATH, 'relay-key', '--relay-id', 'eu-2', '--json'], { encoding: 'utf8', input: `${master}\n`, env });
    expect(fromStdin.status).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toEqual({ relayId: 'eu-2', key: expected });
    const short = spawnSync(process.execPath, [CLI_PATH, 'relay-key', '--relay-id', 'eu-2'], { encoding: 'utf8', input: 'short\n', env });
    expect(short.status).toBe(2);
  });

  it.each([
    ['--region without --relay-id', ['--region', 'eu']],
    ['--register without a token', ['--relay-id', 'r1', '--register', 'http://127.0.0.1:1']],
    ['--register and --redis-url', ['--relay-id', 'r1', '--register', 'http://127.0.0.1:1', '--registration-token', 't', '--redis-url', 'redis://x']],
    ['a bad relay id', ['--relay-id', 'r 1']],
    ['--relay-id with neither key nor secret', ['--relay-id', 'r1']],
    ['a key file that is not hex', ['--relay-id', 'r1', '--ticket-key-file', CLI_PATH]],
    ['--drain without --pid-file', ['--drain']],
  ])('exits 2 on %s', (_label, flags) => {
    const env = { ...process.env };
    delete env.PUNCHTHROUGH_RELAY_SECRET;
    delete env.PUNCHTHROUGH_RELAY_TOKEN;
    delete env.PUNCHTHROUGH_RELAY_KEY;
    const result = spawnSync(process.execPath, [CLI_PATH, 'relay', '--port', '0', ...flags], { encoding: 'utf8', env, timeout: 10_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/punchthrough relay: /);
  });

  it('--drain of a relay that is not running exits 1', () => {
    const pidFile = join(dir, 'gone.pid');
    writeFileSync(pidFile, '2147483646\n');
    const result = spawnSync(process.execPath, [CLI_PATH, 'relay', '--drain', '--pid-file', pidFile], { encoding: 'utf8' });
    expect(result.status).toBe(1);
  });
});

describe.skipIf(!redisAvailable())('punchthrough relay --redis-url (real redis-server)', () => {
  if (!redisAvailable()) console.warn(REDIS_MISSING);
  let redis: TestRedis;
  const running: SpawnedCli[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(running.splice(0).map((cli) => cli.stop()));
    await redis.stop();
  });

  it('SETs pt:relay:<id> with a 3 s lifetime every second, takes the assignment counter, and the key dies with the relay', async () => {
    const cli = spawnCli(['relay', '--host', '127.0.0.1', '--port', '0', '--json', '--relay-id', 'rr1', '--region', 'ap', '--redis-url', `unix://${redis.socketPath}`], {
      PUNCHTHROUGH_RELAY_SECRET: master,
    });
    running.push(cli);
    const ready = await cli.waitFor((line) => line.event === 'ready');
    const client = await redis.client();
    await until(async () => (await client.get('pt:relay:rr1')) !== null);
    const report = parseRelayReport(JSON.parse(String(await client.get('pt:relay:rr1'))));
    expect(report).toMatchObject({ ok: true, value: { id: 'rr1', region: 'ap', endpoint: String(ready.relay), state: 'normal' } });
    const ttl = Number(await client.pTTL('pt:relay:rr1'));
    expect(ttl).toBeGreaterThan(1_000);
    expect(ttl).toBeLessThanOrEqual(3_000);
    // Session nodes count placements; the next report takes (and clears) the count.
    await client.incrBy('pt:relay:rr1:assigned', 3);
    await until(async () => (await client.exists('pt:relay:rr1:assigned')) === 0, 3_000);
    const first = JSON.parse(String(await client.get('pt:relay:rr1'))) as RelayReport;
    await until(async () => (JSON.parse(String(await client.get('pt:relay:rr1'))) as RelayReport).reportedAtMs > first.reportedAtMs, 3_000);

    cli.child.kill('SIGKILL');
    await cli.exited;
    await until(async () => (await client.get('pt:relay:rr1')) === null, 5_000);
  });
});
