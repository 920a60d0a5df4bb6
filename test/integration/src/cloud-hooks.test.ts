// createCloud's `hooks` over the real WebSocket: a hello's auth reaches authenticate, a refusal is
// the coded error reply, and an accepted peer's identity reaches the lifecycle hooks.
import { afterEach, describe, expect, it } from 'vitest';
import { PunchthroughError, PROTOCOL_VERSION, RequestType, createCloud, type Cloud, type MemberJoined } from '../../../src/index.js';
import { TestSignalingClient } from '../../support/signaling-client.js';

const LOOPBACK = { host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0 } as const;

describe('createCloud with hooks', () => {
  let cloud: Cloud | undefined;
  const clients: TestSignalingClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await cloud?.close();
  });

  it('authenticates each hello by its auth and hands the identity to the lifecycle hooks', async () => {
    const joined: MemberJoined[] = [];
    cloud = await createCloud({
      ...LOOPBACK,
      hooks: {
        authenticate: ({ auth }) => {
          if (auth !== 'let-me-in') throw new PunchthroughError('NOT_ALLOWED', 'unknown token');
          return { userId: 'player-7' };
        },
        memberJoined: (event) => void joined.push(event),
      },
    });
    const hello = (auth?: string) => ({ type: RequestType.HELLO, appId: 'game', appVersion: '1', protocolVersion: PROTOCOL_VERSION, ...(auth ? { auth } : {}) });
    const stranger = await TestSignalingClient.connect(cloud.signalingUrl);
    clients.push(stranger);
    await expect(stranger.request(hello())).rejects.toMatchObject({ reply: { code: 'NOT_ALLOWED', message: 'unknown token' } });
    const player = await TestSignalingClient.connect(cloud.signalingUrl);
    clients.push(player);
    await player.request(hello('let-me-in'));
    await player.request({ type: RequestType.CREATE, name: 'hooked' });
    expect(joined).toMatchObject([{ actor: 1, mode: 'server', userId: 'player-7' }]);
  });
});
