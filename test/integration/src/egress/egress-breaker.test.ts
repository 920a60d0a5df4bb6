// The egress client's per-origin limits against a real receiver: the circuit breaker (opens after
// N consecutive failures, visible in openCircuits(), a metric and a warn line; fails fast; closes
// after a successful probe) and the concurrency and queue limits.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv } from '../../../../core/index.js';
import { createEgressClient, type EgressRequest } from '../../../../src/egress/index.js';
import { startReceiver, type TestReceiver } from '../../../support/https-receiver.js';

let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function capturingEnv() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { env: createEnv({ logger: pino({ level: 'info' }, sink) }), lines };
}

const call = (env: ReturnType<typeof createEnv>, path: string, deadlineMs = 5_000): EgressRequest => ({
  url: `${receiver.url}${path}`,
  method: 'POST',
  body: new TextEncoder().encode('{}'),
  deadline: env.clock.now() + deadlineMs,
  maxResponseBytes: 4096,
  purpose: 'webhook',
});

describe('egress circuit breaker', () => {
  it('opens after breakerFailures consecutive 5xx, fails fast, and closes after a successful probe', async () => {
    const { env, lines } = capturingEnv();
    const registry = new Registry();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca], breakerFailures: 3, breakerOpenMs: 400, registry });
    const origin = `https://127.0.0.1:${receiver.port}`;
    receiver.answerNext({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'status', status: 502 });
    for (let i = 0; i < 3; i++) expect(await egress.send(call(env, '/fail'))).toMatchObject({ ok: true });
    expect(egress.openCircuits()).toEqual([origin]);
    expect(await registry.getSingleMetricAsString('punchthrough_egress_breaker_open')).toContain(`punchthrough_egress_breaker_open{origin="${origin}"} 1`);
    expect(lines.find((line) => line.level === 40 && String(line.msg).includes('circuit breaker opened'))).toMatchObject({ origin });

    const before = receiver.requests.length;
    const fast = await egress.send(call(env, '/fast'));
    expect(fast).toMatchObject({ ok: false, failure: 'circuitOpen' });
    expect(receiver.requests.length).toBe(before);

    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await egress.send(call(env, '/probe'))).toMatchObject({ ok: true, status: 200 });
    expect(receiver.requests.length).toBe(before + 1);
    expect(egress.openCircuits()).toEqual([]);
    expect(await registry.getSingleMetricAsString('punchthrough_egress_breaker_open')).not.toContain('origin=');
    expect(await registry.getSingleMetricAsString('punchthrough_egress_requests_total')).toContain('purpose="webhook",outcome="circuitOpen"} 1');
    await egress.close();
  });

  it('counts transport failures (refused connections) too, and a failed probe reopens it', async () => {
    const gone = await startReceiver({ tls: false });
    await gone.close();
    const { env } = capturingEnv();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], allowInsecureHttp: true, breakerFailures: 2, breakerOpenMs: 200 });
    const request = { ...call(env, '/'), url: `${gone.url}/` };
    expect(await egress.send(request)).toMatchObject({ ok: false, failure: 'connect' });
    expect(await egress.send(request)).toMatchObject({ ok: false, failure: 'connect' });
    expect(await egress.send(request)).toMatchObject({ ok: false, failure: 'circuitOpen' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await egress.send({ ...request, deadline: env.clock.now() + 5_000 })).toMatchObject({ ok: false, failure: 'connect' });
    expect(await egress.send({ ...request, deadline: env.clock.now() + 5_000 })).toMatchObject({ ok: false, failure: 'circuitOpen' });
    expect(egress.openCircuits()).toEqual([`http://127.0.0.1:${gone.port}`]);
    expect(await egress.metrics.registry.getSingleMetricAsString('punchthrough_egress_breaker_open')).toContain('origin=');
    await egress.close();
    expect(egress.openCircuits()).toEqual([]);
    expect(await egress.metrics.registry.getSingleMetricAsString('punchthrough_egress_breaker_open')).not.toContain('origin=');
  });

  it('4xx answers do not open it', async () => {
    const { env } = capturingEnv();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca], breakerFailures: 2 });
    receiver.answerNext({ kind: 'status', status: 400 }, { kind: 'status', status: 404 }, { kind: 'status', status: 410 });
    for (let i = 0; i < 3; i++) expect(await egress.send(call(env, '/4xx'))).toMatchObject({ ok: true });
    expect(egress.openCircuits()).toEqual([]);
    await egress.close();
  });
});

describe('egress per-origin limits', () => {
  it('runs maxConcurrentPerOrigin at once, queues maxQueuedPerOrigin, refuses more with queueFull', async () => {
    const { env } = capturingEnv();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca], maxConcurrentPerOrigin: 2, maxQueuedPerOrigin: 1 });
    receiver.answerNext({ kind: 'json', body: { n: 1 }, delayMs: 300 }, { kind: 'json', body: { n: 2 }, delayMs: 300 });
    const before = receiver.requests.length;
    const running = [egress.send(call(env, '/a')), egress.send(call(env, '/b'))];
    const queued = egress.send(call(env, '/c'));
    const refused = await egress.send(call(env, '/d'));
    expect(refused).toMatchObject({ ok: false, failure: 'queueFull' });
    await receiver.waitForRequests(before + 2);
    expect(receiver.requests.length).toBe(before + 2);
    for (const result of await Promise.all([...running, queued])) expect(result).toMatchObject({ ok: true, status: 200 });
    expect(receiver.requests.slice(before).map((request) => request.path)).toEqual(['/a', '/b', '/c']);
    await egress.close();
  });

  it('limits are per origin: a busy origin does not hold up another', async () => {
    const other = await startReceiver();
    const { env } = capturingEnv();
    const egress = createEgressClient(env, { allowedNetworks: ['127.0.0.1/32'], ca: [receiver.ca], maxConcurrentPerOrigin: 1, maxQueuedPerOrigin: 0 });
    receiver.answerNext({ kind: 'json', body: {}, delayMs: 300 });
    const busy = egress.send(call(env, '/busy'));
    expect(await egress.send(call(env, '/more'))).toMatchObject({ ok: false, failure: 'queueFull' });
    expect(await egress.send({ ...call(env, '/x'), url: `${other.url}/x` })).toMatchObject({ ok: true, status: 200 });
    expect(await busy).toMatchObject({ ok: true });
    await egress.close();
    await other.close();
  });
});
