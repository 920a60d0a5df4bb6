// The session service's relay ticket refresh on a ManualClock: when it fires, what it sends, when it stops.
import { describe, expect, it } from 'vitest';
import { EventType, RequestType, type StartEvent } from '../../../../src/protocol/index.js';
import { MIN_TICKET_REFRESH_MS } from '../../../../src/constants.js';
import { ticketRefreshDelayMs } from '../../../../src/session/ticket-refresh.js';
import { sessionsRig } from '../../../support/session-parts.js';

const TTL_MS = 600_000;

/** A rig whose relay issues tickets that live TTL_MS from the clock's wall time. */
function rig() {
  let issued = 0;
  const holder: { wall: () => number } = { wall: () => 0 };
  const parts = sessionsRig({
    relay: {
      endpoint: { address: '203.0.113.3', port: 5055 },
      issueTicket: () => ({ ticket: new Uint8Array([++issued]), expiresAtMs: holder.wall() + TTL_MS }),
    },
  });
  holder.wall = () => parts.clock.wallTime();
  return { ...parts, issuedCount: () => issued };
}

describe('ticketRefreshDelayMs', () => {
  it('waits half of what is left of the ticket, never less than the floor', () => {
    expect(ticketRefreshDelayMs(1_000, 1_000 + TTL_MS)).toBe(TTL_MS / 2);
    expect(ticketRefreshDelayMs(0, 3_001)).toBe(1_500);
    expect(ticketRefreshDelayMs(10_000, 10_500)).toBe(MIN_TICKET_REFRESH_MS);
    expect(ticketRefreshDelayMs(10_000, 5_000)).toBe(MIN_TICKET_REFRESH_MS);
  });
});

describe('relay ticket refresh', () => {
  it('sends a fresh ticket at half its life, again and again, while the member stays', async () => {
    const { sessions, peer, enter, clock } = rig();
    const host = await peer();
    await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'r' }, reply));
    const start = host.events(EventType.START)[0] as StartEvent;
    expect(start.relay?.ticket).toEqual(new Uint8Array([1]));
    clock.advance(TTL_MS / 2 - 1);
    expect(host.events(EventType.RELAY_TICKET)).toHaveLength(0);
    clock.advance(1);
    expect(host.events(EventType.RELAY_TICKET)).toEqual([
      { type: EventType.RELAY_TICKET, ticket: new Uint8Array([2]), expiresAtMs: clock.wallTime() + TTL_MS },
    ]);
    clock.advance(60 * 60_000);
    // One hour later: twelve more, one every five minutes; each ticket was valid when replaced.
    expect(host.events(EventType.RELAY_TICKET)).toHaveLength(13);
  });

  it('stops when the member leaves or drops, and at shutdown: no timer outlives them', async () => {
    const { sessions, peer, enter, clock } = rig();
    const baseline = clock.pendingTimers;
    const host = await peer();
    const client = await peer('198.51.100.2');
    await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'r', playerTtlMs: 60_000, emptySessionTtlMs: 0 }, reply));
    await enter((reply) => sessions.join(client, { type: RequestType.JOIN, id: 2, name: 'r' }, reply));
    await sessions.leave(client);
    clock.advance(TTL_MS);
    expect(client.events(EventType.RELAY_TICKET)).toHaveLength(0);
    expect(host.events(EventType.RELAY_TICKET).length).toBeGreaterThan(0);
    sessions.shutdown([host]);
    const sent = host.events(EventType.RELAY_TICKET).length;
    clock.advance(TTL_MS);
    expect(host.events(EventType.RELAY_TICKET)).toHaveLength(sent);
    expect(clock.pendingTimers).toBe(baseline);
  });

  it('sends nothing without a relay', async () => {
    const { sessions, peer, enter, clock } = sessionsRig();
    const host = await peer();
    await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'r' }, reply));
    clock.advance(TTL_MS * 2);
    expect(host.events(EventType.RELAY_TICKET)).toHaveLength(0);
  });
});
