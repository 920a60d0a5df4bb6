// NetworkRunnerOptions.signaling: a game's own signaling connector (scripted cloud, manual
// clock). A connector that wraps another and counts the frames drives a whole client start; a
// connector that rejects fails the start with its code.
import { describe, expect, it } from 'vitest';
import { PunchthroughError } from '../../../core/index.js';
import { EventType, RequestType, type Event, type RequestBody } from '../../../src/protocol/index.js';
import type { Signaling, SignalingConnector, SignalingOptions } from '../../../client-sdk/index.js';
import { addresses, ep, FakeSignaling, rig, untilReported } from '../../support/sdk-fakes.js';
import { answer, direct, serverLink } from '../../support/sealed-packets.js';

const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);
const clientLocal = ep('192.168.1.2', 5000);

/** Wraps a connector: every request and event that passes is counted by type. */
function counting(inner: SignalingConnector) {
  const seen = { options: [] as SignalingOptions[], requests: [] as RequestBody['type'][], events: [] as Event['type'][] };
  const connector: SignalingConnector = async (options) => {
    seen.options.push(options);
    const signaling = await inner(options);
    signaling.onEvent((event) => seen.events.push(event.type));
    const wrapped: Signaling = {
      request: (body) => {
        seen.requests.push(body.type);
        return signaling.request(body);
      },
      onEvent: (handler) => signaling.onEvent(handler),
      onClose: (handler) => signaling.onClose(handler),
      get droppedFrames() {
        return signaling.droppedFrames;
      },
      get failedFrames() {
        return signaling.failedFrames;
      },
      close: () => signaling.close(),
    };
    return wrapped;
  };
  return { connector, seen };
}

describe('NetworkRunnerOptions.signaling', () => {
  it('a wrapping connector sees every request and event of a client start that connects', async () => {
    const cloud = new FakeSignaling({ actor: 2, mode: 'client' });
    const { connector, seen } = counting(() => Promise.resolve(cloud));
    const r = rig('client', { signaling: connector, appVersion: '7', requestTimeoutMs: 4_000 });
    const started = r.runner.startGame({ mode: 'client', sessionName: 'room' });
    await untilReported(cloud);
    cloud.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    const connect = r.socket.sent.find((s) => s.to === '10.0.0.1:4000')!;
    r.socket.receive(answer(serverLink(), connect.bytes, direct(clientLocal)), serverLocal);
    const result = await started;
    expect(result.server).toMatchObject({ peerId: 'p1', path: 'direct' });
    await Promise.resolve();
    expect(seen.options).toEqual([
      expect.objectContaining({ url: 'http://cloud.invalid', appId: 'game', appVersion: '7', requestTimeoutMs: 4_000, connectTimeoutMs: 10_000 }),
    ]);
    expect(seen.requests).toEqual([RequestType.JOIN, RequestType.REPORT_ADDRESSES, RequestType.CONNECTED]);
    expect(seen.events).toEqual([EventType.START, EventType.PEER_ADDRESSES]);
    expect(r.signaling.requests).toEqual([]);
    await r.runner.shutdown();
    expect(cloud.closed).toBe(true);
  });

  it('a connector that rejects fails the start with its code, and the runner shuts down', async () => {
    const r = rig('server', { signaling: () => Promise.reject(new PunchthroughError('NOT_ALLOWED', 'no signaling for you')) });
    await expect(r.runner.startGame({ mode: 'server' })).rejects.toMatchObject({ code: 'NOT_ALLOWED', message: 'no signaling for you' });
    expect(r.socket.closed).toBe(true);
  });
});
