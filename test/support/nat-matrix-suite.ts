/**
 * The NAT matrix on the real SDK: for each case, a fresh virtual internet (STUN server, relay),
 * a server runner behind one NAT and a client runner behind another, connected through the
 * shared loopback session service. Split into one file per server mapping behaviour so the
 * three run in parallel. `defineRaceMatrix` runs the same cases with `connectPolicy: 'race'`.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatBehavior } from '../../vnet/index.js';
import { NAT_MATRIX, profileLabel, raceExpected } from './nat-matrix.js';
import { type SignalingCloud, connectPair, createVirtualWorld, startSignalingCloud } from './virtual-cloud.js';
import { advanceUntil } from './drive.js';

export function defineNatMatrix(serverMapping: NatBehavior): void {
  let cloud: SignalingCloud;
  beforeAll(async () => {
    cloud = await startSignalingCloud();
  });
  afterAll(() => cloud.close());

  describe(`NAT matrix, server mapping ${serverMapping}`, () => {
    const cases = NAT_MATRIX.filter((c) => c.server.mapping === serverMapping);
    cases.forEach((matrixCase, index) => {
      const title = `server ${profileLabel(matrixCase.server)} × client ${profileLabel(matrixCase.client)} → ${matrixCase.path} (${matrixCase.rule})`;
      it(title, async () => {
        const world = await createVirtualWorld(cloud, 100 + index);
        try {
          // Random port allocation: no case may pass because a port happened to be predictable.
          const serverNat = world.network.addNat({ ...matrixCase.server, portAllocation: 'random', name: 'server-nat' });
          const clientNat = world.network.addNat({ ...matrixCase.client, portAllocation: 'random', name: 'client-nat' });
          const trace = process.env.VNET_TRACE;
          if (trace) world.network.onPacket((e) => appendFileSync(trace, `${e.atMs} ${e.kind} ${e.node} ${e.src.address}:${e.src.port} > ${e.dst.address}:${e.dst.port} ${e.bytes} ${e.reason ?? ''}
`));
          const { server, client, result } = await connectPair(world, serverNat.addHost(), clientNat.addHost());
          if (!result.ok) throw new Error(`did not connect: ${result.code}`);
          expect(result.connected.path).toBe(matrixCase.path);
          // Seed 002: the direct attempts are 0–5, the relay's start at 6.
          if (matrixCase.path === 'direct') expect(result.connected.attempt).toBeLessThan(6);
          else expect(result.connected.attempt).toBeGreaterThanOrEqual(6);
          // Game updates flow both ways on that path.
          const received: string[] = [];
          server.on('message', (event) => received.push(`server got ${Buffer.from(event.data).toString()}`));
          client.on('message', (event) => received.push(`client got ${Buffer.from(event.data).toString()}`));
          client.send(result.connected.peerId, Buffer.from('input'));
          server.broadcast(Buffer.from('state'));
          await advanceUntil(world.clock, () => received.length === 2, 'game updates');
          expect(received.sort()).toEqual(['client got state', 'server got input']);
        } finally {
          await world.close();
        }
      });
    });
  });
}

/** How long after the addresses the race table's final path is read: the direct window (3 s) and a round trip. */
const RACE_SETTLE_MS = 3_500;

export function defineRaceMatrix(serverMapping: NatBehavior): void {
  let cloud: SignalingCloud;
  beforeAll(async () => {
    cloud = await startSignalingCloud();
  });
  afterAll(() => cloud.close());

  describe(`NAT matrix, race policy, server mapping ${serverMapping}`, () => {
    const cases = NAT_MATRIX.filter((c) => c.server.mapping === serverMapping);
    cases.forEach((matrixCase, index) => {
      const expected = raceExpected(matrixCase.server, matrixCase.client);
      const title = `server ${profileLabel(matrixCase.server)} × client ${profileLabel(matrixCase.client)} → ${expected.first} at attempt 0, then ${expected.final} (${expected.rule})`;
      it(title, async () => {
        const world = await createVirtualWorld(cloud, 300 + index);
        try {
          const serverNat = world.network.addNat({ ...matrixCase.server, portAllocation: 'random', name: 'server-nat' });
          const clientNat = world.network.addNat({ ...matrixCase.client, portAllocation: 'random', name: 'client-nat' });
          const race = { connectPolicy: 'race' } as const;
          const { server, client, result } = await connectPair(world, serverNat.addHost(), clientNat.addHost(), { server: race, client: race });
          if (!result.ok) throw new Error(`did not connect: ${result.code}`);
          expect([result.connected.path, result.connected.attempt]).toEqual([expected.first, 0]);
          const changes: string[] = [];
          client.on('pathChanged', (event) => changes.push(`client ${event.path}`));
          server.on('pathChanged', (event) => changes.push(`server ${event.path}`));
          const peerId = result.connected.peerId;
          const serverSide = () => server.connectedPeers()[0];
          await world.clock.advanceAsync(RACE_SETTLE_MS);
          expect(client.connectionType(peerId)).toBe(expected.final);
          expect(server.connectionType(serverSide()!)).toBe(expected.final);
          expect(changes.sort()).toEqual(expected.final === 'direct' ? ['client direct', 'server direct'] : []);
          // Game updates flow both ways on the final path.
          const received: string[] = [];
          server.on('message', (event) => received.push(`server got ${Buffer.from(event.data).toString()}`));
          client.on('message', (event) => received.push(`client got ${Buffer.from(event.data).toString()}`));
          client.send(peerId, Buffer.from('input'));
          server.broadcast(Buffer.from('state'));
          await advanceUntil(world.clock, () => received.length === 2, 'game updates');
          expect(received.sort()).toEqual(['client got state', 'server got input']);
        } finally {
          await world.close();
        }
      });
    });
  });
}
