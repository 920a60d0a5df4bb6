// The reliable channel inside a connected link pair: sealed RELIABLE packets, retransmissions under fresh counters past the replay window, a replay dropped, the channel gone with the link.
import { describe, expect, it } from 'vitest';
import type { LinkOutput } from '../../../../client-sdk/peer/link-core.js';
import { PeerPacketType } from '../../../../client-sdk/peer/packets.js';
import type { Via } from '../../../../client-sdk/peer/path.js';
import { answer, clientLink, headerOf, sends, serverLink } from '../../../support/sealed-packets.js';
import { message, numbers } from './pipe.js';

const relay: Via = { path: 'relay' };

function connectedPair() {
  const client = clientLink({ schedule: { forceRelay: true } });
  const server = serverLink({ schedule: { forceRelay: true } });
  const connect = sends(client.poll(0))[0]!.bytes;
  const accept = answer(server, connect, relay, 5);
  for (const p of sends(client.receive(accept, relay, 10))) server.receive(p.bytes, relay, 15);
  expect([client.phase, server.phase]).toEqual(['connected', 'connected']);
  return { client, server };
}

const reliable = (out: LinkOutput[]): Uint8Array[] => out.flatMap((o) => (o.type === 'reliable' ? [o.data] : []));

describe('reliable channel in a link', () => {
  it('sends sealed RELIABLE segments on the current path; the peer delivers them as reliable outputs and acknowledges them', () => {
    const { client, server } = connectedPair();
    const out = client.core.sendReliable(message(1, 3_000), 20)!;
    const packets = sends(out);
    expect(packets.map((p) => [p.type, p.via.path])).toEqual([
      [PeerPacketType.RELIABLE, 'relay'],
      [PeerPacketType.RELIABLE, 'relay'],
      [PeerPacketType.RELIABLE, 'relay'],
    ]);
    const delivered: Uint8Array[] = [];
    const answers: Uint8Array[] = [];
    for (const p of packets) {
      const got = server.receive(p.bytes, relay, 30);
      delivered.push(...reliable(got));
      answers.push(...sends(got).map((s) => s.bytes));
    }
    expect(delivered.map((d) => d.length)).toEqual([3_000]);
    expect(numbers(delivered)).toEqual([1]);
    // The third segment's acknowledgement waits for the ack delay (the runner's timer polls then).
    expect(server.nextDeadline()).toBe(40);
    answers.push(...sends(server.poll(40)).map((s) => s.bytes));
    expect(answers.map((a) => headerOf(a).type)).toEqual([PeerPacketType.RELIABLE_ACK, PeerPacketType.RELIABLE_ACK]);
    for (const a of answers) client.receive(a, relay, 50);
    // Acknowledged: nothing is sent again.
    expect(sends(client.poll(5_000)).filter((p) => p.type === PeerPacketType.RELIABLE)).toEqual([]);
  });

  it('a retransmission is a new sealed packet (fresh counter) the replay window lets through; a replayed copy is dropped as a replay', () => {
    const { client, server } = connectedPair();
    const first = sends(client.core.sendReliable(message(7), 20)!)[0]!.bytes;
    // Lost: nothing arrives; the timeout sends it again.
    const again = sends(client.poll(5_000)).filter((p) => p.type === PeerPacketType.RELIABLE);
    expect(again).toHaveLength(1);
    expect(headerOf(again[0]!.bytes).counter).toBeGreaterThan(headerOf(first).counter);
    expect(numbers(reliable(server.receive(again[0]!.bytes, relay, 5_010)))).toEqual([7]);
    // The first copy arrives late: authentic and fresh, so opened, and the channel sees a duplicate.
    expect(reliable(server.receive(first, relay, 5_020))).toEqual([]);
    expect(server.core.reliableCounters.duplicates).toBe(1);
    // The same bytes again: the replay window drops them before the channel.
    expect(server.receive(first, relay, 5_030)).toEqual([{ type: 'dropped', reason: 'replay' }]);
  });

  it('the channel goes with the link: after close nothing is sent or kept', () => {
    const { client } = connectedPair();
    expect(client.core.sendReliable(message(1), 20)).toBeDefined();
    client.close();
    expect(client.core.sendReliable(message(2), 30)).toBeUndefined();
    expect(client.poll(10_000)).toEqual([]);
  });
});
