// The egress client's address policy against a real receiver on loopback: with the default
// policy nothing reaches it (IP literals in every form, a DNS name answering loopback, a 302 to
// loopback), and with loopback allow-listed, calls reach the vetted address only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv } from '../../../../core/index.js';
import { createEgressClient, type EgressClientOptions, type EgressRequest } from '../../../../src/egress/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';

const env = createEnv();
let http: TestReceiver;
let https: TestReceiver;

beforeAll(async () => {
  http = await startReceiver({ tls: false });
  https = await startReceiver();
});
afterAll(async () => {
  await http.close();
  await https.close();
});

const get = (url: string, extra: Partial<EgressRequest> = {}): EgressRequest => ({
  url,
  method: 'GET',
  deadline: env.clock.now() + 5_000,
  maxResponseBytes: 64 * 1024,
  purpose: 'auth',
  ...extra,
});

function client(options: EgressClientOptions = {}) {
  return createEgressClient(env, options);
}

describe('egress address policy (default: public addresses only)', () => {
  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/x`, 'loopback'],
    ['[::1]', (port: number) => `http://[::1]:${port}/x`, 'loopback'],
    ['[::ffff:127.0.0.1]', (port: number) => `http://[::ffff:127.0.0.1]:${port}/x`, 'loopback'],
    ['decimal 2130706433', (port: number) => `http://2130706433:${port}/x`, 'loopback'],
    ['short 127.1', (port: number) => `http://127.1:${port}/x`, 'loopback'],
    ['hex 0x7f.0.0.1', (port: number) => `http://0x7f.0.0.1:${port}/x`, 'loopback'],
    ['0.0.0.0', (port: number) => `http://0.0.0.0:${port}/x`, 'unspecified'],
    ['10.0.0.1', (port: number) => `http://10.0.0.1:${port}/x`, 'private'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['100.64.0.1', () => 'http://100.64.0.1/', 'cgnat'],
    ['[fd00::1]', () => 'http://[fd00::1]/', 'uniqueLocal'],
    ['[::ffff:10.0.0.1]', () => 'http://[::ffff:10.0.0.1]/', 'private'],
  ])('refuses %s as blocked, and no request reaches the receiver', async (_name, url, reason) => {
    const egress = client({ allowInsecureHttp: true });
    const before = http.requests.length;
    const result = await egress.send(get(url(http.port)));
    expect(result).toMatchObject({ ok: false, failure: 'blocked' });
    expect(!result.ok && result.detail).toContain(reason);
    expect(http.requests.length).toBe(before);
    expect(await egress.metrics.registry.getSingleMetricAsString('punchthrough_egress_blocked_total')).toContain(`reason="${reason}"`);
    await egress.close();
  });

  it('refuses a DNS name that answers loopback, and one that answers a public and a private address', async () => {
    const names: Record<string, Array<{ address: string; family: number }>> = {
      'rebind.example': [{ address: '127.0.0.1', family: 4 }],
      'mixed.example': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
    };
    const lookups: string[] = [];
    const egress = client({
      allowInsecureHttp: true,
      lookup: async (host) => {
        lookups.push(host);
        return names[host] ?? [];
      },
    });
    const before = http.requests.length;
    expect(await egress.send(get(`http://rebind.example:${http.port}/`))).toMatchObject({ ok: false, failure: 'blocked' });
    expect(await egress.send(get(`http://mixed.example:${http.port}/`))).toMatchObject({ ok: false, failure: 'blocked' });
    expect(await egress.send(get(`http://nowhere.example:${http.port}/`))).toMatchObject({ ok: false, failure: 'dns' });
    expect(lookups).toEqual(['rebind.example', 'mixed.example', 'nowhere.example']);
    expect(http.requests.length).toBe(before);
    await egress.close();
  });

  it('the deadline covers DNS: a resolver that never answers ends in `timeout` at the deadline', async () => {
    const egress = client({ lookup: () => new Promise(() => undefined) });
    const started = Date.now();
    const result = await egress.send(get('https://slow-dns.example/', { deadline: env.clock.now() + 300 }));
    expect(result).toMatchObject({ ok: false, failure: 'timeout', detail: expect.stringContaining('resolving slow-dns.example') });
    expect(Date.now() - started).toBeLessThan(300 + 500);
    await egress.close();
  });

  it('refuses http: without allowInsecureHttp, and userinfo, before any lookup', async () => {
    let lookups = 0;
    const egress = client({
      allowedNetworks: ['127.0.0.1/32'],
      lookup: async () => {
        lookups++;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    expect(await egress.send(get(`${http.url}/x`))).toMatchObject({ ok: false, failure: 'blocked', detail: expect.stringContaining('http:') });
    expect(await egress.send(get(`https://user:pw@localhost:${https.port}/x`))).toMatchObject({ ok: false, failure: 'blocked' });
    expect(lookups).toBe(0);
    await egress.close();
  });

  it('a 302 to loopback is a redirect failure and is not followed', async () => {
    const target = await startReceiver({ tls: false });
    const egress = client({ allowedNetworks: ['127.0.0.1/32'], ca: [https.ca] });
    https.answerNext({ kind: 'redirect', location: `${target.url}/internal` });
    const result = await egress.send(get(`${https.url}/start`));
    expect(result).toMatchObject({ ok: false, failure: 'redirect' });
    expect(target.requests).toHaveLength(0);
    expect(await egress.metrics.registry.getSingleMetricAsString('punchthrough_egress_blocked_total')).toContain('reason="redirect"');
    await egress.close();
    await target.close();
  });
});

describe('egress address policy (loopback allow-listed)', () => {
  it('allows exactly the listed networks: 127.0.0.1/32 reaches the receiver, ::1 stays refused', async () => {
    const v6 = await startReceiver({ tls: false, host: '::1' }).catch(() => undefined);
    const egress = client({ allowInsecureHttp: true, allowedNetworks: ['127.0.0.1/32'] });
    expect(await egress.send(get(`${http.url}/ok`))).toMatchObject({ ok: true, status: 200 });
    expect(await egress.send(get(`http://[::ffff:127.0.0.1]:${http.port}/mapped`))).toMatchObject({ ok: true, status: 200 });
    if (v6) {
      expect(await egress.send(get(`${v6.url}/v6`))).toMatchObject({ ok: false, failure: 'blocked' });
      expect(v6.requests).toHaveLength(0);
      await v6.close();
    }
    await egress.close();
  });

  it('tries the vetted addresses of a name in turn: a dead first address does not fail the call', async () => {
    const egress = client({
      allowInsecureHttp: true,
      allowedNetworks: ['127.0.0.0/8', '::1/128'],
      lookup: async () => [
        { address: '::1', family: 6 },
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    expect(await egress.send(get(`http://dual.test:${http.port}/fallback`))).toMatchObject({ ok: true, status: 200 });
    expect(http.requests.at(-1)?.path).toBe('/fallback');
    await egress.close();
  });

  it('connects to the vetted address, whatever a second resolution would say (DNS pinning)', async () => {
    // The resolver answers the vetted loopback address once, then a refused one: a client that
    // resolved again at connect time would go elsewhere (or fail); ours uses the vetted answer.
    const answers = [[{ address: '127.0.0.1', family: 4 }], [{ address: '10.9.9.9', family: 4 }]];
    let calls = 0;
    const egress = client({
      allowInsecureHttp: true,
      allowedNetworks: ['127.0.0.1/32'],
      lookup: async () => answers[Math.min(calls++, 1)]!,
    });
    const before = http.requests.length;
    expect(await egress.send(get(`http://backend.test:${http.port}/pinned`))).toMatchObject({ ok: true, status: 200 });
    expect(calls).toBe(1);
    expect(http.requests.at(-1)).toMatchObject({ path: '/pinned', headers: expect.objectContaining({ host: `backend.test:${http.port}` }) });
    expect(http.requests.length).toBe(before + 1);
    // The next call resolves afresh and is refused: every call is vetted.
    expect(await egress.send(get(`http://backend.test:${http.port}/pinned`))).toMatchObject({ ok: false, failure: 'blocked' });
    await egress.close();
  });
});
