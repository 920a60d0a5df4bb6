// The WebRPC service without a backend: routing to handlers, refusals and limits before any HTTP.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock, createEnv, type JsonValue } from '../../../core/index.js';
import type { EgressClient } from '../../../src/egress/index.js';
import { createRpcService, type RpcConfig } from '../../../src/rpc/index.js';

/** A backend nobody may reach: these calls must be answered before any HTTP. */
const unreachable: EgressClient = {
  send: () => Promise.reject(new Error('no request may leave the cloud in this test')),
  openCircuits: () => [],
  close: () => Promise.resolve(),
};

function rig(config: RpcConfig | undefined, fits = () => true) {
  const clock = new ManualClock();
  const service = createRpcService(createEnv({ clock }), { config: () => config, egress: unreachable, region: 'eu', fits, registry: new Registry() });
  const connection = {};
  const call = (path: unknown, params?: JsonValue) =>
    service.call(connection, { appId: 'game', appVersion: '1', userId: 'u1' }, { path: path as string, ...(params === undefined ? {} : { params }) }, new AbortController().signal);
  return { clock, call };
}

describe('WebRPC service', () => {
  it('answers from an in-process handler with the caller the cloud attests', async () => {
    const { call } = rig({ handlers: { Ping: (context, params) => ({ resultCode: 0, data: { user: context.userId ?? null, echo: params ?? null } }) } });
    await expect(call('Ping', { a: 1 })).resolves.toEqual({ path: 'Ping', resultCode: 0, data: { user: 'u1', echo: { a: 1 } } });
  });

  it('refuses an app without WebRPC, a bad path, and a path with no handler and no backend', async () => {
    await expect(rig(undefined).call('Ping')).rejects.toMatchObject({ code: 'RPC_NOT_FOUND', photonCode: -2 });
    await expect(rig({}).call('../admin')).rejects.toMatchObject({ code: 'RPC_NOT_FOUND' });
    await expect(rig({}).call('Ping')).rejects.toMatchObject({ code: 'RPC_NOT_FOUND' });
    await expect(rig({ http: { baseUrl: 'https://backend.test', secrets: ['whsec_x'], methods: ['Shop/*'] } }).call('Admin')).rejects.toMatchObject({ code: 'RPC_NOT_FOUND' });
  });

  it('limits calls per connection: the 11th of a burst is HTTP_LIMIT_REACHED', async () => {
    const { call } = rig({ handlers: { Ping: () => ({ resultCode: 0 }) } });
    for (let i = 0; i < 10; i++) await call('Ping');
    await expect(call('Ping')).rejects.toMatchObject({ code: 'HTTP_LIMIT_REACHED', photonCode: 32745 });
  });

  it("checks a handler's answer like a backend's: a broken or oversized one is EXTERNAL_HTTP_FAILED", async () => {
    const broken = rig({ handlers: { Ping: () => ({ resultCode: 'yes' }) as never, Big: () => ({ resultCode: 0, data: 'x' }), Boom: () => { throw new Error('bug'); } } }, () => false);
    await expect(broken.call('Ping')).rejects.toMatchObject({ code: 'EXTERNAL_HTTP_FAILED', photonCode: 32744 });
    await expect(broken.call('Big')).rejects.toMatchObject({ code: 'EXTERNAL_HTTP_FAILED', message: expect.stringContaining('too large') });
    await expect(broken.call('Boom')).rejects.toMatchObject({ code: 'EXTERNAL_HTTP_FAILED', message: 'the in-process handler failed' });
  });
});
