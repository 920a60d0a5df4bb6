// Tickets naming their relay (version 2): per-relay keys, refusal at another relay, the local relay unchanged.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import {
  createRelayClient,
  createRelayServer,
  createTicketIssuer,
  createTicketVerifier,
  deriveRelayKey,
  RELAY_KEY_BYTES,
  type RelayClient,
  type RelayServer,
} from '../../../relay/index.js';
import { LOCAL_RELAY_ID, MAX_TICKET_BODY_BYTES, parseTicket, parseTicketBody, TICKET_MAC_BYTES, TICKET_VERSION, TICKET_VERSION_RELAY_ID } from '../../../relay/wire/index.js';
import { FakeUdpNetwork } from '../../support/fake-udp.js';

const master = 'the fleet master secret, 32 byte';

describe('deriveRelayKey', () => {
  it('is HKDF-SHA256 with an empty salt and info "punchthrough relay " + id (a fixed vector)', async () => {
    const { hkdfSync } = await import('node:crypto');
    const expected = Buffer.from(hkdfSync('sha256', Buffer.from(master), Buffer.alloc(0), Buffer.from('punchthrough relay eu-1'), 32));
    const key = deriveRelayKey(master, 'eu-1');
    expect(key.length).toBe(RELAY_KEY_BYTES);
    expect(Buffer.from(key).equals(expected)).toBe(true);
    // Pinned bytes: a change of label, salt or hash would break every deployed relay key.
    expect(Buffer.from(deriveRelayKey('0123456789abcdef0123456789abcdef', 'r1')).toString('hex')).toMatchInlineSnapshot(`"0a08b0aa40e9f6438362fd26b405333df37ad32046e6911556e0b6c686b5b638"`);
  });

  it('gives each relay its own key and refuses bad ids or short secrets', () => {
    expect(Buffer.from(deriveRelayKey(master, 'a')).equals(Buffer.from(deriveRelayKey(master, 'b')))).toBe(false);
    expect(Buffer.from(deriveRelayKey(master, 'a')).equals(Buffer.from(deriveRelayKey(`${master}!`, 'a')))).toBe(false);
    expect(() => deriveRelayKey(master, '')).toThrow(/relay id/);
    expect(() => deriveRelayKey(master, 'a b')).toThrow(/relay id/);
    expect(() => deriveRelayKey(master, 'x'.repeat(65))).toThrow(/relay id/);
    expect(() => deriveRelayKey('short', 'a')).toThrow(/at least/);
  });
});

describe('tickets v2', () => {
  const clock = new ManualClock();
  const forRelay = (id: string) => createTicketIssuer({ secret: deriveRelayKey(master, id), relayId: id, clock });
  const relay = (id: string) => createTicketVerifier({ secret: deriveRelayKey(master, id), relayId: id, clock });

  it('carry the relay id and verify at that relay', () => {
    const { ticket, expiresAtMs } = forRelay('eu-1').issue('room', 7);
    expect(ticket[0]).toBe(TICKET_VERSION_RELAY_ID);
    expect(parseTicket(ticket)).toMatchObject({ ok: true, value: { relayId: 'eu-1', sessionId: 'room', actor: 7 } });
    expect(relay('eu-1').verify(ticket)).toEqual({ ok: true, value: { sessionId: 'room', actor: 7, expiresAtMs, relayId: 'eu-1' } });
  });

  it('a ticket for relay A is TICKET_INVALID at relay B', () => {
    const ticket = forRelay('A').issue('room', 1).ticket;
    expect(relay('B').verify(ticket)).toEqual({ ok: false, error: 'TICKET_INVALID' });
    expect(relay('B').isForThisRelay('A')).toBe(false);
  });

  it("B's key cannot verify A's tickets, even when B is told A's id", () => {
    const ticket = forRelay('A').issue('room', 1).ticket;
    const bKeyWithAsId = createTicketVerifier({ secret: deriveRelayKey(master, 'B'), relayId: 'A', clock });
    expect(bKeyWithAsId.verify(ticket)).toEqual({ ok: false, error: 'TICKET_INVALID' });
    // Nor can the master secret itself: the cloud signs with the derived key only.
    expect(createTicketVerifier({ secret: master, relayId: 'A', clock }).verify(ticket)).toEqual({ ok: false, error: 'TICKET_INVALID' });
  });

  it('a relay id rewritten in the ticket breaks its MAC', () => {
    const ticket = Uint8Array.from(forRelay('A').issue('room', 1).ticket);
    const at = ticket.length - TICKET_MAC_BYTES - 1;
    ticket[at] = 'B'.charCodeAt(0);
    expect(parseTicket(ticket)).toMatchObject({ ok: true, value: { relayId: 'B' } });
    expect(relay('B').verify(ticket)).toEqual({ ok: false, error: 'TICKET_INVALID' });
  });

  it('version 1 tickets (no relay id) still verify at a relay without an id, and only there', () => {
    const v1 = createTicketIssuer({ secret: master, clock }).issue('room', 3).ticket;
    expect(v1[0]).toBe(TICKET_VERSION);
    expect(createTicketVerifier({ secret: master, clock }).verify(v1).ok).toBe(true);
    expect(createTicketVerifier({ secret: master, clock }).relayId).toBe(LOCAL_RELAY_ID);
    expect(createTicketVerifier({ secret: master, relayId: 'A', clock }).verify(v1)).toEqual({ ok: false, error: 'TICKET_INVALID' });
  });

  it('refuse malformed relay ids in the body: empty, too long, outside the alphabet, trailing bytes', () => {
    const body = (relay: number[]) => Uint8Array.of(TICKET_VERSION_RELAY_ID, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0x73, ...relay);
    expect(parseTicketBody(body([1, 0x41])).ok).toBe(true);
    expect(parseTicketBody(body([])).ok).toBe(false);
    expect(parseTicketBody(body([0]))).toEqual({ ok: false, error: 'malformed' });
    expect(parseTicketBody(body([1, 0x20]))).toEqual({ ok: false, error: 'malformed' });
    expect(parseTicketBody(body([1, 0xc3]))).toEqual({ ok: false, error: 'malformed' });
    expect(parseTicketBody(body([1, 0x41, 0x41]))).toEqual({ ok: false, error: 'malformed' });
    expect(parseTicketBody(body([2, 0x41]))).toEqual({ ok: false, error: 'malformed' });
    expect(parseTicketBody(body([65, ...new Array<number>(65).fill(0x41)]))).toEqual({ ok: false, error: 'malformed' });
    const longest = body([64, ...new Array<number>(64).fill(0x41)]);
    expect(parseTicketBody(Uint8Array.from([...longest.subarray(0, 11), 64, ...new Array<number>(64).fill(0x73), 64, ...new Array<number>(64).fill(0x41)])).ok).toBe(true);
    expect(12 + 64 + 1 + 64).toBe(MAX_TICKET_BODY_BYTES);
  });

  it('the issuer refuses a bad relay id up front', () => {
    expect(() => createTicketIssuer({ secret: master, relayId: 'no spaces' })).toThrow(/relay id/);
    expect(() => createTicketVerifier({ secret: master, relayId: '' })).toThrow(/relay id/);
  });
});

describe('relay servers of a fleet', () => {
  const RELAY = { address: '203.0.113.1', port: 5055 };
  let servers: RelayServer[] = [];
  let clients: RelayClient[] = [];
  afterEach(async () => {
    for (const client of clients) client.close();
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
    clients = [];
  });

  async function relayB() {
    const clock = new ManualClock();
    const network = new FakeUdpNetwork();
    const server = await createRelayServer({ secret: deriveRelayKey(master, 'B'), relayId: 'B', clock, socketFactory: network, host: RELAY.address, port: RELAY.port });
    servers.push(server);
    const bind = (ticket: Uint8Array, address: string) => {
      const client = createRelayClient({ socket: network.socket(address), relay: RELAY, ticket, clock, keepaliveIntervalMs: 0 });
      clients.push(client);
      return client.bind();
    };
    return { clock, server, bind };
  }

  it('relay B binds tickets for B and refuses a ticket for A with TICKET_INVALID, counted', async () => {
    const { clock, server, bind } = await relayB();
    const forB = createTicketIssuer({ secret: deriveRelayKey(master, 'B'), relayId: 'B', clock });
    const forA = createTicketIssuer({ secret: deriveRelayKey(master, 'A'), relayId: 'A', clock });
    await bind(forB.issue('room', 1).ticket, '10.0.0.1');
    await expect(bind(forA.issue('room', 2).ticket, '10.0.0.2')).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    // A ticket for A signed with B's key (a relay id swapped by the cloud by mistake) is refused too.
    const misSigned = createTicketIssuer({ secret: deriveRelayKey(master, 'B'), relayId: 'A', clock });
    await expect(bind(misSigned.issue('room', 3).ticket, '10.0.0.3')).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    const v1 = createTicketIssuer({ secret: deriveRelayKey(master, 'B'), clock });
    await expect(bind(v1.issue('room', 4).ticket, '10.0.0.4')).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    expect(server.stats().bindings).toBe(1);
    expect(server.stats().dropped.ticketInvalid).toBeGreaterThanOrEqual(3);
  });
});
