/**
 * Signaling that crosses the virtual links (the in-memory pair with `signalingLinks`): a slow or
 * lossy line slows the start as it does on the kernel (paths.md §4: TCP retransmits cost 1–2.5 s
 * under 20 % loss), and the pair still connects. Everything on one ManualClock, no real socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { advanceUntilSettled } from '../support/drive.js';
import { createMemoryCloud, type MemoryCloud } from '../support/memory-cloud.js';

let cloud: MemoryCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

/** Clock time the client's start takes, with its signaling on its links or not. */
async function clientStartMs(seed: number, clientLink: { latencyMs?: number; lossRate?: number }, overLinks: boolean) {
  const c = (cloud = await createMemoryCloud(seed));
  const hostNat = c.network.addNat({ preset: 'port-restricted-cone' });
  const clientNat = c.network.addNat({ preset: 'port-restricted-cone', link: clientLink });
  const clientHost = clientNat.addHost();
  const host = c.runner(hostNat.addHost());
  const client = c.runner(clientHost, {}, undefined, overLinks ? [clientHost, clientNat] : undefined);
  await advanceUntilSettled(c.clock, host.startGame({ mode: 'server', sessionName: 'links' }), 'host start');
  const startedAt = c.clock.now();
  const started = await advanceUntilSettled(c.clock, client.startGame({ mode: 'client', sessionName: 'links' }), 'client start');
  const tookMs = c.clock.now() - startedAt;
  await c.close();
  cloud = undefined;
  return { tookMs, path: started.server?.path };
}

describe('signaling over the virtual links', () => {
  it('a 100 ms line delays every signaling round trip: the start takes at least two round trips longer', async () => {
    const off = await clientStartMs(3, { latencyMs: 100 }, false);
    const on = await clientStartMs(3, { latencyMs: 100 }, true);
    expect([off.path, on.path]).toEqual(['direct', 'direct']);
    expect(on.tookMs - off.tookMs).toBeGreaterThanOrEqual(400);
  });

  it('20 % loss each way: signaling frames are retransmitted, not lost, and the pair still connects', async () => {
    let extraMs = 0;
    for (const seed of [1, 2, 3]) {
      const off = await clientStartMs(seed, { lossRate: 0.2 }, false);
      const on = await clientStartMs(seed, { lossRate: 0.2 }, true);
      expect(on.path).toBeDefined();
      extraMs += on.tookMs - off.tookMs;
    }
    // Over the three seeds some frame was lost and waited out a retransmission timeout.
    expect(extraMs).toBeGreaterThanOrEqual(200);
  });
});
