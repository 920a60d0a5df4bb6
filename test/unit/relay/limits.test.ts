import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { ErrorGate, fullPeerBuckets, peerRates, sourceKey, takePacket } from '../../../relay/limits.js';

const rates = peerRates({ packetsPerSecond: 100, burstPackets: 10, bytesPerSecond: 10_000, burstBytes: 2_000 });

describe('a peer\'s two token buckets', () => {
  it('allow a burst, then the average rate', () => {
    const clock = new ManualClock();
    const state = fullPeerBuckets(rates, clock.now());
    let passed = 0;
    for (let i = 0; i < 50; i++) if (takePacket(state, rates, clock.now(), 10)) passed++;
    expect(passed).toBe(10);
    // 100 packets/s: one token every 10 ms.
    clock.advance(9);
    expect(takePacket(state, rates, clock.now(), 10)).toBe(false);
    clock.advance(1);
    expect(takePacket(state, rates, clock.now(), 10)).toBe(true);
    expect(takePacket(state, rates, clock.now(), 10)).toBe(false);
    // Over a long run the rate holds at the average, plus one burst.
    passed = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      clock.advance(1);
      for (let i = 0; i < 5; i++) if (takePacket(state, rates, clock.now(), 10)) passed++;
    }
    expect(passed).toBe(1000);
  });

  it('never refill beyond the burst after a long silence', () => {
    const clock = new ManualClock();
    const state = fullPeerBuckets(rates, 0);
    clock.advance(3_600_000);
    let passed = 0;
    for (let i = 0; i < 50; i++) if (takePacket(state, rates, clock.now(), 1)) passed++;
    expect(passed).toBe(10);
  });

  it('limit bytes independently of packets, and take nothing from a refused packet', () => {
    const state = fullPeerBuckets(rates, 0);
    expect(takePacket(state, rates, 0, 1_500)).toBe(true);
    expect(takePacket(state, rates, 0, 1_500)).toBe(false);
    expect(state.packetBucket.tokens).toBe(9);
    expect(takePacket(state, rates, 0, 500)).toBe(true);
    // 10,000 bytes/s: 1,500 bytes take 150 ms to earn.
    expect(takePacket(state, rates, 149, 1_500)).toBe(false);
    expect(takePacket(state, rates, 150, 1_500)).toBe(true);
  });
});

describe('error gate', () => {
  it('answers a key once per window and forgets at the window end', () => {
    const gate = new ErrorGate(1_000, 100);
    expect(gate.allow('a', 0)).toBe(true);
    expect(gate.allow('a', 999)).toBe(false);
    expect(gate.allow('b', 999)).toBe(true);
    expect(gate.allow('a', 1_000)).toBe(true);
    expect(gate.allow('a', 1_500)).toBe(false);
  });

  it('answers at most maxKeys distinct keys per window', () => {
    const gate = new ErrorGate(1_000, 3);
    const answered = ['a', 'b', 'c', 'd', 'e'].filter((key) => gate.allow(key, 10));
    expect(answered).toEqual(['a', 'b', 'c']);
    expect(gate.allow('d', 1_010)).toBe(true);
  });
});

describe('source keys', () => {
  it('count IPv4 per address and IPv6 per /64, whatever the spelling', () => {
    expect(sourceKey('198.51.100.7')).toBe('198.51.100.7');
    expect(sourceKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(sourceKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:0db8:0001:0002:ffff::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('2001:db8:0:0:1::')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('not:an::address::')).toBe('not:an::address::');
  });
});
