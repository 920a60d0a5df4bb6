// `punchthrough webhooks tail`: a real `punchthrough cloud --admin-token` (from the environment)
// with webhooks to a real HTTPS receiver; tail prints each delivery attempt (JSON lines or
// readable ones), and exits 1 on a refused token and 2 on bad flags.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestType } from '../../../src/protocol/index.js';
import { spawnCli, type SpawnedCli } from '../../support/cli.js';
import { startReceiver, type TestReceiver } from '../../support/https-receiver.js';
import { TestSignalingClient } from '../../support/signaling-client.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TOKEN = 'tail-test-admin-token-0123456789';
const CLOUD_FLAGS = ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--no-ipv6', '--json'];
let receiver: TestReceiver;
let cloud: SpawnedCli;
let http: string;

beforeAll(async () => {
  receiver = await startReceiver({ secrets: [SECRET] });
  const dir = await mkdtemp(join(tmpdir(), 'pt-tail-'));
  const config = join(dir, 'punchthrough.json');
  await writeFile(
    config,
    JSON.stringify({
      apps: { game: { webhooks: { baseUrl: `${receiver.url}/hooks`, secrets: ['$env:PT_TEST_WEBHOOK_SECRET'] } } },
      egress: { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca] },
    }),
  );
  cloud = spawnCli([...CLOUD_FLAGS, '--config', config], { PUNCHTHROUGH_ADMIN_TOKEN: TOKEN, PT_TEST_WEBHOOK_SECRET: SECRET });
  const ready = await cloud.waitFor((line) => line.event === 'ready', 20_000);
  http = ready.http as string;
  const server = await TestSignalingClient.hello(`${http.replace('http:', 'ws:')}/v1/signaling`, 'game');
  await server.request({ type: RequestType.CREATE, name: 'tailed' });
  await server.request({ type: RequestType.LEAVE });
  await server.close();
  await receiver.waitForRequests(3);
}, 30_000);
afterAll(async () => {
  await cloud?.stop();
  await receiver.close();
});

describe('punchthrough webhooks tail', () => {
  it('--once --json: one JSON line per attempt, as the admin API gives them', async () => {
    const tail = spawnCli(['webhooks', 'tail', '--cloud', http, '--once', '--json'], { PUNCHTHROUGH_ADMIN_TOKEN: TOKEN });
    expect(await tail.exited).toBe(0);
    expect(tail.lines.map((line) => [line.type, line.status, line.outcome, line.path])).toEqual([
      ['session.created', 200, 'delivered', '/hooks/session/created'],
      ['peer.left', 200, 'delivered', '/hooks/peer/left'],
      ['session.closed', 200, 'delivered', '/hooks/session/closed'],
    ]);
    expect(tail.lines[0]!.id).toBe(receiver.requests[0]!.headers['webhook-id']);
  });

  it('follows new attempts until stopped (readable lines), exit 0', async () => {
    const tail = spawnCli(['webhooks', 'tail', '--cloud', http, '--token', TOKEN, '--app-id', 'game', '--interval', '100']);
    await tail.waitFor((line) => typeof line.raw === 'string' && line.raw.includes('session.closed'), 10_000);
    const server = await TestSignalingClient.hello(`${http.replace('http:', 'ws:')}/v1/signaling`, 'game');
    await server.request({ type: RequestType.CREATE, name: 'tailed-2' });
    const fresh = await tail.waitFor((line) => typeof line.raw === 'string' && line.raw.includes('session.created') && tail.lines.length > 3, 10_000);
    expect(fresh.raw).toMatch(/delivered\s+session\.created .*#1 {2}attempt 1 {2}HTTP 200 {2}\d+ ms {2}\/hooks\/session\/created {2}evt_/);
    await server.close();
    expect(await tail.stop()).toBe(0);
  });

  it('a wrong token exits 1; missing flags exit 2', async () => {
    const refused = spawnCli(['webhooks', 'tail', '--cloud', http, '--token', 'wrong-token-0123456789', '--once']);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toContain('401');
    expect(await spawnCli(['webhooks', 'tail', '--token', TOKEN]).exited).toBe(2);
    expect(await spawnCli(['webhooks', 'tail', '--cloud', http], { PUNCHTHROUGH_ADMIN_TOKEN: '' }).exited).toBe(2);
    expect(await spawnCli(['webhooks', 'follow']).exited).toBe(2);
  });
});
