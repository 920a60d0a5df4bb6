/**
 * The client's path after an accept that comes from another port than the connect went to
 * (a server behind an address-dependent mapping): found by the NAT matrix (README, R4).
 */
import { expect, it } from 'vitest';
import type { UdpEndpoint } from '../../src/runtime/index.js';
import { ClientLink } from '../../client-sdk/peer/client-link.js';
import type { LinkOutput, Via } from '../../client-sdk/peer/link-core.js';
import { decodePeerPacket, pairTag, PeerPacketType, type PeerPacket } from '../../client-sdk/peer/packets.js';

const ep = (address: string, port: number): UdpEndpoint => ({ address, port, family: 'IPv4' });
const token = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const serverReflexive = ep('203.0.113.4', 40_000);
/** The port the server's NAT gave its mapping towards the client: not the reflexive one. */
const serverOtherPort = ep('203.0.113.4', 41_234);

function sent(out: LinkOutput[]): Array<{ to: string; packet: PeerPacket }> {
  return out.flatMap((o) => {
    if (o.type !== 'send' || o.via.path !== 'direct') return [];
    const decoded = decodePeerPacket(o.bytes);
    if (!decoded.ok) throw new Error(decoded.error);
    return [{ to: `${o.via.endpoint.address}:${o.via.endpoint.port}`, packet: decoded.packet }];
  });
}

it('keeps sending where the accepted connect went, and takes the server packets from the accept source', () => {
  const link = new ClientLink({
    self: 2,
    server: { actor: 1, candidates: [serverReflexive], token },
    startedAt: 0,
    schedule: { attemptsLimit: 10, attemptIntervalMs: 500, directFraction: 2 / 3, forceRelay: false },
    timing: { keepaliveIntervalMs: 2000, peerTimeoutMs: 10_000 },
    relayAvailable: true,
    nonceBase: 100,
  });
  const [connect] = sent(link.poll(0));
  expect(connect!.to).toBe('203.0.113.4:40000');
  if (connect!.packet.type !== PeerPacketType.CONNECT) throw new Error('expected a connect');
  const fromOtherPort: Via = { path: 'direct', endpoint: serverOtherPort };
  const out = link.receive(
    { type: PeerPacketType.ACCEPT, from: 1, to: 2, nonce: connect!.packet.nonce, tag: pairTag(token) },
    fromOtherPort,
    30,
  );
  expect(out).toContainEqual(
    expect.objectContaining({ type: 'connected', via: { path: 'direct', endpoint: serverReflexive } }),
  );
  expect(sent(link.send(Buffer.from('update'))).map((s) => s.to)).toEqual(['203.0.113.4:40000']);
  // The server's own packets come from the port it accepted from: they are the peer's.
  const data = link.receive({ type: PeerPacketType.DATA, from: 1, to: 2, payload: Buffer.from('state') }, fromOtherPort, 40);
  expect(data).toEqual([{ type: 'message', data: Buffer.from('state') }]);
});
