// The whole system with no real socket: two runners behind virtual NATs, the session service's
// core over the in-memory signaling pair, STUN and the relay on the virtual network, one clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberJoined } from '../../../src/session/domain-events.js';
import { advanceUntil, advanceUntilSettled } from '../../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../../support/memory-cloud.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

describe('a host and a client over in-memory signaling', () => {
  it('connect directly through two NATs, exchange messages, and the hooks see who joined', async () => {
    const joined: MemberJoined[] = [];
    const c = (cloud = await createMemoryCloud(7, {
      hooks: {
        authenticate: (hello) => ({ userId: hello.auth ?? 'nobody' }),
        memberJoined: (event) => void joined.push(event),
      },
    }));
    const hostNat = c.network.addNat({ preset: 'port-restricted-cone' });
    const clientNat = c.network.addNat({ preset: 'port-restricted-cone' });
    const host = c.runner(hostNat.addHost(), {}, 'host-token');
    const client = c.runner(clientNat.addHost(), {}, 'client-token');

    const hosted = await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'memory' }), 'host start');
    expect(hosted.reflexive?.address).toBe(hostNat.publicAddress);
    const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'memory' }), 'client start');
    expect(started.server).toMatchObject({ path: 'direct', actor: 1 });

    const received: string[] = [];
    host.on('message', (event) => received.push(Buffer.from(event.data).toString()));
    client.broadcast(Buffer.from('hello over a virtual NAT'));
    await advanceUntil(c.clock, () => received.length > 0, 'message');
    expect(received).toEqual(['hello over a virtual NAT']);
    expect(joined.map((e) => [e.actor, e.mode, e.userId])).toEqual([
      [1, 'server', 'host-token'],
      [2, 'client', 'client-token'],
    ]);
    expect(c.hub.connectionCount).toBe(2);
  });
});
