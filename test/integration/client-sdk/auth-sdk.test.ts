// The SDK's custom authentication against the real cloud and a real HTTPS provider: `auth` in
// the runner's options, `authenticated` in the start result, onAuthContinue for ResultCode 0,
// a refusal's code and detail on startGame's error — and the auth token across a cloud restart
// (`punchthrough cloud --config`): with the same key the provider is not called again; with a new
// key the runner logs in again with its params, once.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkRunner, type CloudConnectionRestoredEvent, type NetworkRunnerOptions } from '../../../client-sdk/index.js';
import { isPunchthroughError } from '../../../core/index.js';
import { generateWebhookSecret } from '../../../src/egress/index.js';
import { spawnCli, type SpawnedCli } from '../../support/cli.js';
import { startReceiver, type RecordedRequest, type ReceiverAnswer, type TestReceiver } from '../../support/https-receiver.js';
import { startLoopbackCloud, type LoopbackCloud } from '../../support/sdk-cloud.js';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy.js';

const SECRET = generateWebhookSecret((size) => randomBytes(size));
const LOOSE = { attemptsPerSecond: 10_000, attemptBurst: 10_000 };

/** Photon's contract: `user` and `password` in the query; `otp` completes a second step. */
function photonProvider(request: RecordedRequest): ReceiverAnswer {
  const { user, password, otp } = request.query;
  if (user === 'carol' && otp === undefined) return { kind: 'json', body: { ResultCode: 0, Data: { need: 'otp' } } };
  if (user === 'carol' && otp === '424242') return { kind: 'json', body: { ResultCode: 1, UserId: 'u_carol' } };
  if (user && password === 'pw') return { kind: 'json', body: { ResultCode: 1, UserId: `u_${user}`, Nickname: user.toUpperCase(), AuthCookie: { secret: 'never-on-the-wire' }, Data: { level: 7 } } };
  return { kind: 'json', body: { ResultCode: 2, Message: 'bad credentials' } };
}

let provider: TestReceiver;
let cloud: LoopbackCloud;
/** In front of the cloud: every byte the SDK runners received. */
let proxy: RecordingProxy;
let proxied: string;
const runners: NetworkRunner[] = [];
const clouds: SpawnedCli[] = [];

beforeAll(async () => {
  provider = await startReceiver({ secrets: [SECRET], requireSignature: true });
  provider.answer(photonProvider);
  cloud = await startLoopbackCloud({
    apps: { 'auth-sdk': { auth: { providers: [{ type: 'custom', url: `${provider.url}/photon`, secrets: [SECRET] }], ...LOOSE } } },
    egress: { allowedNetworks: ['127.0.0.1/32'], ca: [provider.ca] },
  });
  proxy = await startRecordingProxy({ host: '127.0.0.1', port: Number(new URL(cloud.url).port) });
  proxied = `http://127.0.0.1:${proxy.port}`;
});

afterEach(async () => {
  await Promise.allSettled(runners.splice(0).map((r) => r.shutdown()));
  await Promise.allSettled(clouds.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  // The runners' whole signaling: the provider's AuthCookie never reached one.
  expect(proxy.received().length).toBeGreaterThan(1000);
  expect(proxy.received().includes(Buffer.from('never-on-the-wire'))).toBe(false);
  await proxy.close();
  await cloud.close();
  await provider.close();
});

const runner = (url: string, options: Partial<NetworkRunnerOptions>): NetworkRunner => {
  const made = new NetworkRunner({ cloudUrl: url, appId: 'auth-sdk', bindAddress: '127.0.0.1', ...options });
  runners.push(made);
  return made;
};

describe('SDK custom authentication', () => {
  it('auth params: the start result says who the runner is, runner.userId too; host and client meet', async () => {
    const host = runner(proxied, { auth: { params: { user: 'ann', password: 'pw' } } });
    const started = await host.startGame({ mode: 'server', sessionName: 'sdk-auth' });
    expect(started.authenticated).toEqual({ userId: 'u_ann', nickname: 'ANN', data: { level: 7 }, status: 'ok' });
    expect(host.userId).toBe('u_ann');
    expect(host.authData).toEqual({ level: 7 });
    const client = runner(proxied, { auth: { params: { user: 'ben', password: 'pw' } } });
    const joined = await client.startGame({ mode: 'client', sessionName: 'sdk-auth' });
    expect(joined.authenticated?.userId).toBe('u_ben');
    expect(joined.server).toBeDefined();
  });

  it('ResultCode 0: onAuthContinue gets the Data and answers the next step', async () => {
    const asked: unknown[] = [];
    const host = runner(proxied, {
      auth: { params: { user: 'carol' } },
      onAuthContinue: async (data) => {
        asked.push(data);
        return { params: { user: 'carol', otp: '424242' } };
      },
    });
    const started = await host.startGame({ mode: 'server' });
    expect(asked).toEqual([{ need: 'otp' }]);
    expect(started.authenticated).toMatchObject({ userId: 'u_carol', status: 'ok' });
  });

  it('a refusal fails startGame with AUTH_FAILED, Photon 32755 and detail.resultCode; no auth: AUTH_REQUIRED', async () => {
    const refused = await runner(proxied, { auth: { params: { user: 'dan', password: 'wrong' } } })
      .startGame({ mode: 'server' })
      .catch((error: unknown) => error);
    expect(isPunchthroughError(refused) && refused.code).toBe('AUTH_FAILED');
    expect(refused).toMatchObject({ photonCode: 32755, detail: { resultCode: 2 }, message: 'bad credentials' });
    const anonymous = await runner(proxied, {})
      .startGame({ mode: 'server' })
      .catch((error: unknown) => error);
    expect(anonymous).toMatchObject({ code: 'AUTH_REQUIRED', photonCode: 32767 });
  });

  it('checks the auth option before any traffic', () => {
    expect(() => runner(proxied, { auth: { params: { 'bad key': 'x' } } })).toThrow(/INVALID_OPTIONS|auth: /);
    expect(() => runner(proxied, { auth: { params: { user: 'x'.repeat(513) } } })).toThrow(/auth: /);
    expect(() => runner(proxied, { onAuthContinue: 'yes' as never })).toThrow(/onAuthContinue/);
  });
});

/** A free TCP port on loopback (the cloud must come back on the same one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('SDK auth token across a cloud restart (punchthrough cloud --config)', () => {
  const restart = async (sameKey: boolean) => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-auth-'));
    const file = join(dir, 'punchthrough.json');
    await writeFile(
      file,
      JSON.stringify({
        apps: { 'auth-sdk': { auth: { providers: [{ type: 'custom', url: `${provider.url}/photon`, secrets: ['$env:PT_AUTH_SECRET'] }], tokenKeys: ['$env:PT_AUTH_KEY'], ...LOOSE } } },
        egress: { allowedNetworks: ['127.0.0.1/32'], ca: [provider.ca] },
      }),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const spawn = (key: string): SpawnedCli => {
      const made = spawnCli(['cloud', '--host', '127.0.0.1', '--http-port', String(port), '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--no-ipv6', '--json', '--config', file], {
        PT_AUTH_KEY: key,
        PT_AUTH_SECRET: SECRET,
      });
      clouds.push(made);
      return made;
    };
    const key = randomBytes(32).toString('base64');
    const first = spawn(key);
    await first.waitFor((line) => line.event === 'ready');
    const host = runner(url, { auth: { params: { user: 'hana', password: 'pw' } } });
    await host.startGame({ mode: 'server', sessionName: `restart-${sameKey}` });
    const client = runner(url, { auth: { params: { user: 'ivo', password: 'pw' } } });
    await client.startGame({ mode: 'client', sessionName: `restart-${sameKey}` });
    const calls = provider.requests.length;

    const hostBack = new Promise<CloudConnectionRestoredEvent>((resolve) => host.once('cloudConnectionRestored', resolve));
    const clientBack = new Promise<CloudConnectionRestoredEvent>((resolve) => client.once('cloudConnectionRestored', resolve));
    first.child.kill('SIGKILL');
    await first.exited;
    const second = spawn(sameKey ? key : randomBytes(32).toString('base64'));
    await second.waitFor((line) => line.event === 'ready');
    expect((await hostBack).how).toBe('restored');
    expect(['rejoined', 'resumed']).toContain((await clientBack).how);
    expect(host.userId).toBe('u_hana');
    expect(client.userId).toBe('u_ivo');
    return provider.requests.length - calls;
  };

  it('the same key: host and client are back without calling the provider', async () => {
    expect(await restart(true)).toBe(0);
  });

  it('a new key: the old tokens are refused (AUTH_TOKEN_EXPIRED) and each runner logs in again with its params, once', async () => {
    expect(await restart(false)).toBe(2);
  });
});
