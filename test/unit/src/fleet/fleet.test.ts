// The fleet on a manual clock: the table (reports, epochs, staleness), the choice at create, and the failover/drain pass.
import { describe, expect, it } from 'vitest';
import { ManualClock, createSilentLogger } from '../../../../core/index.js';
import { createMemoryRelayDirectory, createRelayFleet, relaysToLeave, type AcceptedReport, type RelayMover } from '../../../../src/fleet/index.js';
import type { RelayTicketIssuer } from '../../../../src/session/options.js';

const report = (id: string, over: Partial<AcceptedReport> = {}): AcceptedReport => ({
  id,
  epoch: 1,
  endpoint: { address: '127.0.0.1', port: 6000 + Number(id.slice(1)) },
  region: 'eu',
  state: 'normal',
  level: 0,
  bindingsPct: 0,
  bindings: 0,
  sessions: 0,
  reportedAtMs: 1,
  ...over,
});

function setup() {
  const clock = new ManualClock(10_000);
  const directory = createMemoryRelayDirectory();
  const issued: string[] = [];
  const fleet = createRelayFleet(
    { clock, logger: createSilentLogger() },
    {
      directory,
      random: () => 0.5,
      issuerFor: (relay): RelayTicketIssuer => {
        issued.push(relay.id);
        return { endpoint: relay.endpoint, issueTicket: () => ({ ticket: new Uint8Array(8), expiresAtMs: 1 }) };
      },
    },
  );
  return { clock, directory, fleet, issued };
}

describe('relay fleet', () => {
  it('answers each report with the sessions assigned since the previous one, and refuses an older epoch', () => {
    const { clock, directory, fleet } = setup();
    expect(directory.accept(report('r1'), clock.now())).toEqual({ ok: true, assigned: 0 });
    expect(fleet.choose('s1')).toEqual({ id: 'r1' });
    expect(fleet.choose('s2')).toEqual({ id: 'r1' });
    expect(directory.list(clock.now())[0]?.assigned).toBe(2);
    expect(directory.accept(report('r1'), clock.now())).toEqual({ ok: true, assigned: 2 });
    expect(directory.accept(report('r1'), clock.now())).toEqual({ ok: true, assigned: 0 });
    // Placements count into the effective level for the averaging window, across reports.
    expect(directory.list(clock.now())[0]?.assigned).toBe(2);
    clock.advance(10_001);
    expect(directory.list(clock.now())[0]?.assigned).toBe(0);
    expect(directory.accept(report('r1', { epoch: 0 }), clock.now())).toEqual({ ok: false, reason: 'old-epoch' });
    expect(fleet.stats.chosen.get('r1')).toBe(2);
  });

  it('no eligible relay: no choice, counted', () => {
    const { clock, directory, fleet } = setup();
    expect(fleet.choose('s')).toBeUndefined();
    directory.accept(report('r1', { state: 'draining' }), clock.now());
    expect(fleet.choose('s')).toBeUndefined();
    expect(fleet.stats.none).toBe(2);
  });

  it('issuers are made once per relay address and again when it moves', () => {
    const { clock, directory, fleet, issued } = setup();
    directory.accept(report('r1'), clock.now());
    fleet.issuer('r1');
    fleet.issuer('r1');
    directory.accept(report('r1', { epoch: 2, endpoint: { address: '127.0.0.1', port: 7000 } }), clock.now());
    expect(fleet.issuer('r1')?.endpoint.port).toBe(7000);
    expect(issued).toEqual(['r1', 'r1']);
    expect(fleet.issuer('nobody')).toBeUndefined();
  });

  it("a stale relay's sessions fail over and a draining relay's drain, to a fresh relay; closed ones are forgotten", async () => {
    const { clock, directory, fleet } = setup();
    directory.accept(report('r1'), clock.now());
    for (const id of ['a', 'b', 'c']) fleet.choose(id);
    fleet.released!('r1', 'c');
    directory.accept(report('r2'), clock.now());
    const moves: string[] = [];
    const mover: RelayMover = async (sessionId, move) => {
      moves.push(`${sessionId} ${move.from}->${move.to} ${move.reason}`);
      return sessionId === 'b' && move.reason === 'failover' ? 'too-soon' : 'moved';
    };
    // Fresh: nothing moves.
    expect(await fleet.check(mover)).toBe(0);
    // r1 stops reporting; r2 keeps reporting.
    clock.advance(3_001);
    directory.accept(report('r2'), clock.now());
    expect(relaysToLeave(directory.list(clock.now()), clock.now()).map((r) => `${r.relay.id} ${r.reason}`)).toEqual(['r1 failover']);
    expect(await fleet.check(mover)).toBe(1);
    expect(moves).toEqual(['a r1->r2 failover', 'b r1->r2 failover']);
    expect(fleet.stats.moved).toEqual({ failover: 1, drain: 0 });
    // 'b' was too soon: tried again on the next pass. Now r2 drains and r3 appears: r2's sessions go to r3.
    directory.accept(report('r2', { state: 'draining' }), clock.now());
    directory.accept(report('r3'), clock.now());
    moves.length = 0;
    await fleet.check(mover);
    expect(moves.sort()).toEqual(['a r2->r3 drain', 'b r1->r3 failover']);
  });
});
