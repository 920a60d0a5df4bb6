// The service's side of NAT discovery (the measurement recorded on the member, in PeerInfo and a
// metric; the one NAT-only report past the rate limit) and messages that say the real rule.
import { describe, expect, it } from 'vitest';
import { isPunchthroughError } from '../../../../core/index.js';
import { EventType, RequestType, validateRequest, type JoinResult, type PeerAddressesEvent } from '../../../../src/protocol/index.js';
import { sessionsRig } from '../../../support/session-parts.js';

const joined = (outcome: JoinResult | string): JoinResult => {
  if (typeof outcome === 'string') throw new Error(outcome);
  return outcome;
};

async function refusal(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run;
  } catch (error) {
    if (isPunchthroughError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

describe('NAT type at the service', () => {
  it('records the NAT report that follows the start (same candidates) at once, hands it to the counterparts, shows it in PeerInfo and counts it once', async () => {
    const { sessions, peer, enter, metrics } = sessionsRig();
    const host = await peer();
    joined(await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2, name: 'room' }, reply)));
    const player = await peer('198.51.100.2');
    joined(await enter((reply) => sessions.join(player, { type: RequestType.JOIN, id: 2, name: 'room' }, reply)));
    const local = [{ address: '10.0.0.1', port: 4000 }];
    const report = { type: RequestType.REPORT_ADDRESSES, id: 3, local, reflexive: { address: '203.0.113.1', port: 40000 } } as const;
    await sessions.reportAddresses(host, { ...report, natType: 'unknown' }, () => undefined);
    // Discovery's answer, a moment later: inside the 1 s report interval, yet not refused.
    await sessions.reportAddresses(host, { ...report, natType: 'portRestrictedCone', natMapping: 'not-port-dependent', natFiltering: 'address-and-port-dependent' }, () => undefined);
    const told = player.events(EventType.PEER_ADDRESSES);
    expect(told.map((e) => (e as PeerAddressesEvent).natType)).toEqual(['unknown', 'portRestrictedCone']);
    // A latecomer's view of the session shows the host's NAT type.
    const late = await peer('198.51.100.3');
    const info = joined(await enter((reply) => sessions.join(late, { type: RequestType.JOIN, id: 2, name: 'room' }, reply)));
    expect(info.session.peers.find((p) => p.actor === 1)).toMatchObject({ natType: 'portRestrictedCone' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('punchthrough_session_nat_discovered_total{nat_type="portRestrictedCone",mapping="not-port-dependent",filtering="address-and-port-dependent"} 1');
    // Only one NAT-only report passes the rate limit: a flip right after is refused.
    const flip = await refusal(sessions.reportAddresses(host, { ...report, natType: 'symmetric', natMapping: 'address-and-port-dependent', natFiltering: 'address-and-port-dependent' }, () => undefined));
    expect(flip.code).toBe('RATE_LIMITED');
  });

  it('validates the axes on the wire: an unknown axis value is INVALID_REQUEST', () => {
    const bad = validateRequest({ type: RequestType.REPORT_ADDRESSES, id: 3, local: [], natMapping: 'sometimes' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringContaining('natMapping') } });
    const good = validateRequest({ type: RequestType.REPORT_ADDRESSES, id: 3, local: [], natType: 'unknown', natMapping: 'not-port-dependent', natFiltering: 'unknown' });
    expect(good.ok).toBe(true);
  });
});

describe('messages that say the real rule', () => {
  it('a 5,000-character property value names the key and the 4,096-character limit', () => {
    const result = validateRequest({ type: RequestType.CREATE, id: 2, properties: { map: 'x'.repeat(5000) } });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    const message = (result as { error: { message: string } }).error.message;
    expect(message).toContain('properties.map');
    expect(message).toContain('at most 4096 characters (got 5000)');
  });

  it('SESSION_NOT_FOUND names the app id and version searched and says they partition sessions', async () => {
    const { sessions, peer } = sessionsRig();
    const player = await peer();
    const refused = await refusal(sessions.join(player, { type: RequestType.JOIN, id: 2, name: 'x' }, () => undefined));
    expect(refused).toEqual({
      code: 'SESSION_NOT_FOUND',
      message: 'no session "x" for app id "g" version "1" (sessions are partitioned by app id and version)',
    });
  });
});
