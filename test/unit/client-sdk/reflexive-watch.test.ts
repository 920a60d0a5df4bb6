// STUN again after a fallback: a moved reflexive address is reported once, checks are rate-limited.
import { describe, expect, it } from 'vitest';
import { createSilentLogger, flushAsync, ManualClock, type UdpEndpoint, type UdpSocket } from '../../../core/index.js';
import { ReflexiveWatch } from '../../../client-sdk/reflexive-watch.js';

const ep = (address: string, port: number): UdpEndpoint => ({ address, port, family: 'IPv4' });
const STUN = ep('203.0.113.1', 3478);

function watch(seen: () => { address: string; port: number }) {
  const clock = new ManualClock();
  const requests: unknown[] = [];
  let bindings = 0;
  const w = new ReflexiveWatch(
    { clock, logger: createSilentLogger() },
    {
      stunBinding: () => {
        bindings++;
        return Promise.resolve(seen());
      },
      socket: () => ({}) as UdpSocket,
      signal: new AbortController().signal,
      request: (request) => Promise.resolve(requests.push(request)),
    },
  );
  w.reported({ local: [ep('10.0.0.2', 5000)], reflexive: ep('198.51.100.7', 50000), natType: 'unknown', stunServers: [STUN] });
  return { clock, w, requests, bindings: () => bindings };
}

describe('reflexive watch', () => {
  it('reports the addresses again when STUN sees a new reflexive address, and only then', async () => {
    let mapped = { address: '198.51.100.7', port: 50000 };
    const { clock, w, requests, bindings } = watch(() => mapped);
    w.check();
    await flushAsync();
    expect(bindings()).toBe(1);
    expect(requests).toEqual([]);
    mapped = { address: '198.51.100.7', port: 50123 };
    // At most one check per second.
    w.check();
    await flushAsync();
    expect(bindings()).toBe(1);
    clock.advance(1_000);
    w.check();
    await flushAsync();
    expect(requests).toEqual([
      { type: 9, local: [{ address: '10.0.0.2', port: 5000 }], reflexive: { address: '198.51.100.7', port: 50123 }, natType: 'unknown' },
    ]);
    expect(w.changes).toBe(1);
    // The new address is the one compared from now on.
    clock.advance(1_000);
    w.check();
    await flushAsync();
    expect(requests).toHaveLength(1);
  });
});
