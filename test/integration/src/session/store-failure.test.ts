// A store that fails a write: the request is refused with the store's error alone, never answered first.
import { afterEach, expect, it } from 'vitest';
import { PunchthroughError } from '../../../../core/index.js';
import { buildSessionService, createMemorySessionStore, type SessionService, type SessionStore } from '../../../../src/index.js';
import { Feature, PROTOCOL_VERSION, RequestType } from '../../../../src/protocol/index.js';
import { TestSignalingClient } from '../../../support/signaling-client.js';

const services: SessionService[] = [];
const clients: TestSignalingClient[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(services.map((s) => s.close()));
});

it('an address report whose write fails gets only the error, not an empty reply before it (any store, not only Redis)', async () => {
  const memory = createMemorySessionStore();
  let failing = false;
  const store: SessionStore = {
    ...memory,
    compareAndSet: (...args) => (failing ? Promise.reject(new PunchthroughError('SERVICE_UNAVAILABLE', 'the store is down')) : memory.compareAndSet(...args)),
  };
  const service = buildSessionService({ store });
  services.push(service);
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  const host = await TestSignalingClient.connect(`ws://127.0.0.1:${port}/v1/signaling`);
  clients.push(host);
  await host.request({ type: RequestType.HELLO, appId: 'game', appVersion: '1', protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2] });
  await host.request({ type: RequestType.CREATE, name: 'g' });
  failing = true;
  // request() settles on the first frame for its id: an empty reply ahead of the error would answer it.
  const outcome = await host.request({ type: RequestType.REPORT_ADDRESSES, local: [{ address: '192.168.0.2', port: 3000 }] }).then(
    () => 'answered',
    (error: unknown) => error,
  );
  expect(outcome).toMatchObject({ reply: { code: 'SERVICE_UNAVAILABLE' } });
});
