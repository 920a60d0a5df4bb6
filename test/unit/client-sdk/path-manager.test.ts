// The path manager's decisions as pure functions of state and `now`: probe rounds, upgrade,
// suspicion and fallback, roaming, and the limits (docs/connection-process.md, "After the connection").
import { describe, expect, it } from 'vitest';
import type { UdpEndpoint } from '../../../core/index.js';
import { PathManager, type PathRequest } from '../../../client-sdk/peer/path-manager.js';
import type { Via } from '../../../client-sdk/peer/path.js';
import { nextProbeRoundAt } from '../../../client-sdk/peer/probing.js';

const ep = (address: string, port: number): UdpEndpoint => ({ address, port, family: 'IPv4' });
const peerLocal = ep('10.0.0.2', 5000);
const peerReflexive = ep('198.51.100.7', 50000);
const roamed = ep('198.51.100.7', 50123);
const direct = (endpoint: UdpEndpoint): Via => ({ path: 'direct', endpoint });
const RELAY: Via = { path: 'relay' };

function manager(candidates = [peerLocal, peerReflexive], forceRelay = false): PathManager {
  return new PathManager({ keepaliveIntervalMs: 2_000, forceRelay, candidates: () => candidates });
}

/** Polls at every deadline up to `until`, answering nothing; returns every request with its time. */
function pollUntil(m: PathManager, until: number): { at: number; request: PathRequest }[] {
  const out: { at: number; request: PathRequest }[] = [];
  for (let t = m.nextDeadline(); t !== undefined && t <= until; t = m.nextDeadline()) {
    for (const request of m.poll(t).requests) out.push({ at: t, request });
  }
  return out;
}

const where = (via: Via): string => (via.path === 'relay' ? 'relay' : `${via.endpoint.address}:${via.endpoint.port}`);

describe('probe rounds', () => {
  it('back off 1, 2, 4, 8, 16 s, then past the 30 s conntrack timeout, then every 35 s', () => {
    const at = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => nextProbeRoundAt(0, n) / 1000);
    expect(at).toEqual([1, 3, 7, 15, 31, 63, 98, 133, 168]);
  });
});

describe('path manager', () => {
  it('a relayed pair probes every candidate in rounds and upgrades once a direct round trip completes', () => {
    const m = manager();
    m.connect(RELAY, 0, true, 80);
    const first = m.poll(1_000).requests;
    expect(first.map((r) => where(r.via))).toEqual(['10.0.0.2:5000', '198.51.100.7:50000']);
    // The reply to the probe sent to the reflexive candidate proves it: direct beats the relay.
    expect(m.reply(first[1]!.seq, 1_030)).toEqual({ from: RELAY, to: direct(peerReflexive), reason: 'upgrade' });
    expect(m.current).toEqual(direct(peerReflexive));
    expect(m.rttMs).toBe(30);
    // No more rounds on direct: the round due at 3 s does not go out.
    expect(m.poll(3_000).requests.map((r) => where(r.via))).not.toContain('10.0.0.2:5000');
  });

  it('never moves to a path without a round trip, nor on a reply it did not ask for', () => {
    const m = manager();
    m.connect(RELAY, 0, true, 80);
    expect(m.reply(12345, 10)).toBeUndefined();
    expect(m.heard(direct(peerReflexive), 20)).toBe(true);
    expect(m.current).toEqual(RELAY);
  });

  it('keeps the relay warm under a direct path, and falls back within 2 s of silence while sending', () => {
    const m = manager();
    m.connect(direct(peerReflexive), 0, true, 20);
    const warm = m.poll(2_000).requests;
    expect(warm.map((r) => where(r.via))).toEqual(['198.51.100.7:50000', 'relay']);
    expect(m.reply(warm[1]!.seq, 2_060)).toBeUndefined();
    expect(m.reply(warm[0]!.seq, 2_020)).toBeUndefined();
    m.heard(direct(peerReflexive), 3_000);
    // The direct path goes silent while we send.
    m.sentSinceAlive = true;
    const requests: { at: number; via: string }[] = [];
    let change;
    for (let t = m.nextDeadline()!; !change && t < 10_000; t = m.nextDeadline()!) {
      const out = m.poll(t);
      change = out.change;
      for (const r of out.requests) requests.push({ at: t, via: where(r.via) });
      if (change) expect(t - 3_000).toBeLessThanOrEqual(2_000);
    }
    expect(change).toEqual({ from: direct(peerReflexive), to: RELAY, reason: 'fallback' });
    // Three suspicion probes on the silent path, at the faster cadence (and the keepalive due at 4 s).
    expect(requests.filter((r) => r.via === '198.51.100.7:50000').map((r) => r.at)).toEqual([3_400, 3_650, 3_900, 4_000]);
    // Probing resumes: a round to every candidate a second later.
    const again = pollUntil(m, 5_500).filter((r) => r.request.via.path === 'direct');
    expect(again.map((r) => where(r.request.via))).toEqual(['10.0.0.2:5000', '198.51.100.7:50000']);
  });

  it('follows a peer that fell back: its data through the relay moves a silent direct path at once', () => {
    const m = manager();
    m.connect(direct(peerReflexive), 0, true, 20);
    const warm = m.poll(2_000).requests;
    m.reply(warm[1]!.seq, 2_060);
    m.reply(warm[0]!.seq, 2_020);
    // Relay data while direct is fresh (the peer races or is still moving): no change.
    expect(m.dataOnRelay(2_300)).toBeUndefined();
    expect(m.current).toEqual(direct(peerReflexive));
    // Direct silent past the suspicion time: the peer's relay data is the fallback's evidence.
    expect(m.dataOnRelay(2_500)).toEqual({ from: direct(peerReflexive), to: RELAY, reason: 'fallback' });
    expect(m.current).toEqual(RELAY);
    // And probing resumes from the relay.
    expect(pollUntil(m, 3_500).map((r) => where(r.request.via))).toContain('198.51.100.7:50000');
  });

  it('does not suspect a quiet path it is not sending on, nor one without a proven relay to fall back to', () => {
    const idle = manager();
    idle.connect(direct(peerReflexive), 0, true, 20);
    const warm = idle.poll(2_000).requests;
    idle.reply(warm[1]!.seq, 2_050);
    idle.reply(warm[0]!.seq, 2_020);
    // Only keepalives (every 2 s, answered) and the relay's warm keepalive (every 5 s).
    const out = pollUntil(idle, 3_999);
    expect(out).toEqual([]);
    const noRelay = manager();
    noRelay.connect(direct(peerReflexive), 0, true, 20);
    noRelay.sentSinceAlive = true;
    expect(pollUntil(noRelay, 1_999).map((r) => r.at)).toEqual([]);
  });

  it('follows a roamed peer once the probe to its new endpoint is answered and the old one is quiet', () => {
    const m = manager();
    m.connect(direct(peerReflexive), 0, true, 20);
    m.heard(direct(peerReflexive), 1_000);
    expect(m.heard(direct(roamed), 1_010)).toBe(true);
    const probe = m.probe(direct(roamed), 1_010)!;
    // Rate limit: the next packets from there earn no probe for a while.
    expect(m.heard(direct(roamed), 1_100)).toBe(false);
    // Answered before the old path has been quiet long: no move yet.
    expect(m.reply(probe.seq, 1_030)).toBeUndefined();
    m.heard(direct(roamed), 1_600);
    expect(m.poll(1_600).change).toEqual({ from: direct(peerReflexive), to: direct(roamed), reason: 'roamed' });
  });

  it('probes a candidate announced after connecting at once (the peer re-reported its addresses)', () => {
    const candidates = [peerReflexive];
    const m = manager(candidates);
    m.connect(direct(peerReflexive), 0, true, 20);
    expect(m.poll(100).requests).toEqual([]);
    candidates.push(roamed);
    expect(m.poll(200).requests.map((r) => where(r.via))).toEqual(['198.51.100.7:50123']);
    expect(m.poll(300).requests).toEqual([]);
  });

  it('probes nothing direct when forced to the relay', () => {
    const m = manager([peerReflexive], true);
    m.connect(RELAY, 0, true, 80);
    expect(m.heard(direct(peerReflexive), 10)).toBe(false);
    expect(pollUntil(m, 60_000).filter((r) => r.request.via.path === 'direct')).toEqual([]);
  });
});
