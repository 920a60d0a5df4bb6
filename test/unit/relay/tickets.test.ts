import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { createTicketIssuer, createTicketVerifier } from '../../../relay/index.js';
import { TICKET_MAC_BYTES, parseTicket } from '../../../relay/wire/index.js';

const secret = 'a shared secret of enough length';

function setup(ttlMs = 60_000) {
  const clock = new ManualClock();
  return {
    clock,
    issuer: createTicketIssuer({ secret, ttlMs, clock }),
    verifier: createTicketVerifier({ secret, clock }),
  };
}

describe('relay tickets', () => {
  it('verify with the same secret and carry session, actor and expiry', () => {
    const { clock, issuer, verifier } = setup();
    const { ticket, expiresAtMs } = issuer.issue('room-1', 42);
    expect(expiresAtMs).toBe(clock.wallTime() + 60_000);
    expect(verifier.verify(ticket)).toEqual({ ok: true, value: { sessionId: 'room-1', actor: 42, expiresAtMs } });
  });

  it('accept non-ASCII session ids up to 64 bytes and uint32 actors; refuse others at issue', () => {
    const { issuer, verifier } = setup();
    const id = 'ü'.repeat(32);
    expect(verifier.verify(issuer.issue(id, 0xffff_ffff).ticket)).toMatchObject({ ok: true, value: { sessionId: id } });
    expect(() => issuer.issue('x'.repeat(65), 1)).toThrow(/session id/);
    expect(() => issuer.issue('', 1)).toThrow(/session id/);
    expect(() => issuer.issue('a', -1)).toThrow(/actor/);
    expect(() => issuer.issue('a', 2 ** 32)).toThrow(/actor/);
  });

  it('expire by the wall clock: valid up to and including expiresAtMs, refused after', () => {
    const { clock, issuer, verifier } = setup(1_000);
    const { ticket } = issuer.issue('s', 1);
    clock.advance(1_000);
    expect(verifier.verify(ticket).ok).toBe(true);
    clock.advance(1);
    expect(verifier.verify(ticket)).toEqual({ ok: false, error: 'TICKET_EXPIRED' });
  });

  it('refuse a ticket signed with another secret', () => {
    const { clock, issuer } = setup();
    const other = createTicketVerifier({ secret: 'another secret, also long enough', clock });
    expect(other.verify(issuer.issue('s', 1).ticket)).toEqual({ ok: false, error: 'TICKET_INVALID' });
  });

  it('refuse any single-bit change (claims re-targeted to another session or actor, or a forged MAC)', () => {
    const { issuer, verifier } = setup();
    const { ticket } = issuer.issue('session-a', 5);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ticket.length * 8 - 1 }), (bit) => {
        const changed = Uint8Array.from(ticket);
        changed[bit >> 3]! ^= 1 << (bit & 7);
        const result = verifier.verify(changed);
        expect(result.ok).toBe(false);
      }),
      { numRuns: ticket.length * 8 },
    );
  });

  it('refuse a replay of one session’s MAC on another session’s claims', () => {
    const { issuer, verifier } = setup();
    const a = issuer.issue('session-a', 5).ticket;
    const b = issuer.issue('session-b', 5).ticket;
    const spliced = Uint8Array.from(b);
    spliced.set(a.subarray(a.length - TICKET_MAC_BYTES), b.length - TICKET_MAC_BYTES);
    expect(verifier.verify(spliced)).toEqual({ ok: false, error: 'TICKET_INVALID' });
  });

  it('never throw on hostile bytes', () => {
    const { verifier } = setup();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        expect(verifier.verify(bytes).ok).toBe(false);
      }),
      { numRuns: 3000 },
    );
    const bad = Uint8Array.from({ length: 12 + 2 + 16 }, () => 0xff);
    bad[0] = 1;
    bad[11] = 2;
    expect(parseTicket(bad)).toEqual({ ok: false, error: 'malformed' });
    bad[0] = 9;
    expect(verifier.verify(bad)).toEqual({ ok: false, error: 'UNSUPPORTED_VERSION' });
  });

  it('refuse a short secret', () => {
    expect(() => createTicketIssuer({ secret: 'short' })).toThrow(/at least 16 bytes/);
    expect(() => createTicketVerifier({ secret: new Uint8Array(8) })).toThrow(/at least 16 bytes/);
  });
});
