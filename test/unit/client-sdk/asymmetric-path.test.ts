/**
 * The client's path after an accept that comes from another port than the connect went to
 * (a server behind an address-dependent mapping): found by the NAT matrix (docs/nat-matrix.md, rule R4).
 */
import { expect, it } from 'vitest';
import type { Via } from '../../../client-sdk/peer/link-core.js';
import { clientLink, ep, sends, serverLink, where } from '../../support/sealed-packets.js';

const serverReflexive = ep('203.0.113.4', 40_000);
/** The port the server's NAT gave its mapping towards the client: not the reflexive one. */
const serverOtherPort = ep('203.0.113.4', 41_234);
const clientMapped: Via = { path: 'direct', endpoint: ep('198.51.100.9', 50_000) };

it('keeps sending where the accepted connect went, and takes the server packets from the accept source', () => {
  const link = clientLink({ candidates: [serverReflexive] });
  const server = serverLink();
  const [connect] = sends(link.poll(0));
  expect(where(connect!.via)).toBe('203.0.113.4:40000');
  const accept = sends(server.receive(connect!.bytes, clientMapped, 10))[0]!.bytes;
  const fromOtherPort: Via = { path: 'direct', endpoint: serverOtherPort };
  const out = link.receive(accept, fromOtherPort, 30);
  expect(out).toContainEqual(expect.objectContaining({ type: 'connected', via: { path: 'direct', endpoint: serverReflexive } }));
  // The confirm goes where the connect went, so it leaves the client's NAT by the mapping the server saw.
  const confirm = sends(out)[0]!;
  expect(where(confirm.via)).toBe('203.0.113.4:40000');
  expect(server.receive(confirm.bytes, clientMapped, 40)).toContainEqual(expect.objectContaining({ type: 'connected', via: clientMapped }));
  expect(sends(link.send(Buffer.from('update'))).map((s) => where(s.via))).toEqual(['203.0.113.4:40000']);
  // The server's own packets come from the port it accepted from: authentic, so they are the peer's.
  const data = sends(server.send(Buffer.from('state')))[0]!.bytes;
  const fromServer = link.receive(data, fromOtherPort, 50);
  expect(fromServer[0]).toEqual({ type: 'message', data: Buffer.from('state') });
  // That port is not proven: it earns one probe, and the send path stays until a round trip proves it.
  expect(sends(fromServer).map((s) => where(s.via))).toEqual(['203.0.113.4:41234']);
  expect(where(link.core.via!)).toBe('203.0.113.4:40000');
});
