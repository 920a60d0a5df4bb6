/**
 * The NAT matrix's rules (test/support/nat-matrix.ts) checked against the virtual NATs with a
 * model of the connection process (seed 002 steps 2–4 reduced to their packets), so the
 * derivation and the vnet agree before the SDK runs the same matrix.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, type UdpEndpoint, type UdpSocket } from '../../../core/index.js';
import { createVirtualNetwork } from '../../../vnet/index.js';
import { NAT_MATRIX, type NatProfile, profileLabel } from '../../support/nat-matrix.js';

const INTERVAL_MS = 500;
const DIRECT_ATTEMPTS = 6;
const key = (e: { address: string; port: number }): string => `${e.address}:${e.port}`;

async function modelPath(server: NatProfile, client: NatProfile, seed: number): Promise<'direct' | 'relay'> {
  const clock = new ManualClock();
  const network = createVirtualNetwork({ clock, seed });
  try {
    const stunHost = network.addHost({ addresses: ['203.0.113.1'] });
    const stun = await stunHost.bind({ type: 'udp4', port: 3478 });
    stun.onMessage((_data, from) => stun.send(Buffer.from(key(from)), from.port, from.address));
    const natS = network.addNat({ ...server, portAllocation: 'random' });
    const natC = network.addNat({ ...client, portAllocation: 'random' });
    const sHost = natS.addHost();
    const cHost = natC.addHost();
    const s = await sHost.bind({ type: 'udp4' });
    const c = await cHost.bind({ type: 'udp4' });

    async function reflexive(socket: UdpSocket): Promise<UdpEndpoint> {
      let seen: string | undefined;
      const remove = socket.onMessage((data) => (seen = data.toString()));
      socket.send(Buffer.from('binding'), 3478, '203.0.113.1');
      clock.advance(0);
      remove();
      const [address, port] = seen!.split(':');
      return { address: address!, port: Number(port), family: 'IPv4' };
    }
    // Step 1: each side's candidates are its local address (another LAN's: unroutable here,
    // but sending to it opens mappings on dependent NATs, as the SDK's sends do) and its reflexive one.
    const serverCandidates = [{ ...s.address(), address: sHost.address }, await reflexive(s)];
    const clientCandidates = [{ ...c.address(), address: cHost.address }, await reflexive(c)];
    const known = new Set(serverCandidates.map(key));
    // The pair is connected once the client has an accept; then, as the SDK does, the client
    // sends to where its accepted connect went and the server to where the connect came from.
    let clientPath: string | undefined;
    let serverPath: UdpEndpoint | undefined;
    const data = { atServer: 0, atClient: 0 };
    const sendConnect = (to: UdpEndpoint): void => c.send(Buffer.from(`connect ${key(to)}`), to.port, to.address);

    // Step 3 (server): pings every interval; answers a connect from any source with an accept.
    s.onMessage((payload, from) => {
      const [kind, target] = payload.toString().split(' ');
      if (kind === 'connect') {
        serverPath ??= from;
        s.send(Buffer.from(`accept ${target}`), from.port, from.address);
      }
      if (kind === 'data') data.atServer++;
    });
    // Step 4 (client): a ping from an unknown source is a peer-reflexive candidate, answered at once.
    c.onMessage((payload, from) => {
      const [kind, target] = payload.toString().split(' ');
      if (kind === 'accept') clientPath ??= target;
      if (kind === 'data') data.atClient++;
      if (kind === 'ping') {
        if (!known.has(key(from))) {
          known.add(key(from));
          serverCandidates.push(from);
        }
        sendConnect(from);
      }
    });
    for (let attempt = 0; attempt < DIRECT_ATTEMPTS && !clientPath; attempt++) {
      for (const to of clientCandidates) s.send(Buffer.from('ping'), to.port, to.address);
      // Step 2 (client): attempts 0–5 go direct to every server candidate.
      for (const to of serverCandidates) sendConnect(to);
      clock.advance(INTERVAL_MS);
    }
    if (!clientPath || !serverPath) return 'relay';
    // Step 5: game updates both ways on that path; "direct" means both arrive.
    const [address, port] = clientPath.split(':');
    c.send(Buffer.from('data'), Number(port), address!);
    s.send(Buffer.from('data'), serverPath.port, serverPath.address);
    clock.advance(INTERVAL_MS);
    expect(data).toEqual({ atServer: 1, atClient: 1 });
    return 'direct';
  } finally {
    await network.close();
  }
}

describe('NAT matrix rules, checked with a model of the connection process on the virtual NATs', () => {
  for (const matrixCase of NAT_MATRIX) {
    const name = `server ${profileLabel(matrixCase.server)} × client ${profileLabel(matrixCase.client)} → ${matrixCase.path} (${matrixCase.rule})`;
    it(name, async () => {
      for (const seed of [1, 2]) {
        expect(await modelPath(matrixCase.server, matrixCase.client, seed)).toBe(matrixCase.path);
      }
    });
  }

  it('has 45 direct and 36 relay cases', () => {
    expect(NAT_MATRIX.filter((c) => c.path === 'direct')).toHaveLength(45);
    expect(NAT_MATRIX.filter((c) => c.path === 'relay')).toHaveLength(36);
  });
});
