// The amplification attack on a host: a joined "client" re-reports its addresses 20 times a
// second, each naming 17 endpoints. The cloud forwards at most 8 candidates and only changes, at
// most once a second; the host pings a client's candidates within one attempt budget.
import { encode } from 'msgpackr';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetworkRunner } from '../../../client-sdk/index.js';
import { RequestType } from '../../../src/protocol/index.js';
import { startLoopbackCloud, type LoopbackCloud } from '../../support/sdk-cloud.js';
import { tappingSocketFactory } from '../../support/tap-socket.js';
import { openRawSignaling } from '../../support/ws-attacker.js';

let cloud: LoopbackCloud;
beforeAll(async () => {
  cloud = await startLoopbackCloud();
});
afterAll(async () => {
  await cloud.close();
});

it('84 address reports in 4 s make the host send ≤ 1,000 datagrams to ≤ 16 endpoints', async () => {
  const sent = new Map<string, number>();
  const host = new NetworkRunner({ cloudUrl: cloud.url, appId: 'amp', bindAddress: '127.0.0.1', socketFactory: tappingSocketFactory(({ address, port }) => {
      const key = `${address}:${port}`;
      sent.set(key, (sent.get(key) ?? 0) + 1);
      return true;
    }), });
  await host.startGame({ mode: 'server', sessionName: 'amp' });
  const infrastructure = new Set([...sent.keys()]);

  const attacker = await openRawSignaling(cloud.url);
  await attacker.hello('amp');
  attacker.send(encode({ type: RequestType.JOIN, id: 2, name: 'amp' }));
  await new Promise((r) => setTimeout(r, 100));
  // Victims on the discard range of the loopback network: nothing answers there.
  const started = Date.now();
  for (let report = 0; report < 84; report++) {
    const local = Array.from({ length: 16 }, (_, i) => ({ address: '127.0.0.9', port: 20_000 + report * 17 + i }));
    attacker.send(encode({ type: RequestType.REPORT_ADDRESSES, id: 10 + report, local, reflexive: { address: '127.0.0.9', port: 40_000 + report } }));
    await new Promise((r) => setTimeout(r, Math.max(0, started + (report + 1) * (4000 / 84) - Date.now())));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const toVictims = [...sent].filter(([key]) => !infrastructure.has(key) && key.startsWith('127.0.0.9:'));
  const datagrams = toVictims.reduce((sum, [, count]) => sum + count, 0);
  expect(datagrams).toBeGreaterThan(0);
  expect(datagrams).toBeLessThanOrEqual(1000);
  expect(toVictims.length).toBeLessThanOrEqual(16);
  attacker.socket.close();
  await host.shutdown();
});
