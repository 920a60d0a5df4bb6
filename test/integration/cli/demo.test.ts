import { describe, expect, it } from 'vitest';
import { spawnCli } from '../../support/cli.js';

describe('punchthrough demo', () => {
  it('puts every client on the relay when both sides are behind symmetric NATs, and exits 0', async () => {
    const demo = spawnCli(['demo', '--host-nat', 'symmetric', '--client-nat', 'symmetric', '--clients', '2']);
    expect(await demo.exited).toBe(0);
    // Not a TTY: JSON lines.
    const summary = demo.lines.at(-1);
    expect(summary).toMatchObject({
      event: 'summary',
      ok: true,
      clients: [
        { peer: 'client-1', path: 'relay' },
        { peer: 'client-2', path: 'relay' },
      ],
    });
    // The timeline shows the connection process's steps and the schedule: six direct attempts, then the relay.
    const hostSteps = demo.lines.filter((line) => line.peer === 'host' && line.flow === 'create').map((line) => line.step);
    expect(hostSteps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const attempts = demo.lines.filter((line) => line.event === 'attempt' && line.peer === 'client-1');
    expect(attempts.slice(0, 7).map((line) => `${line.n}:${line.path}`)).toEqual([
      '0:direct', '1:direct', '2:direct', '3:direct', '4:direct', '5:direct', '6:relay',
    ]);
    expect(demo.lines.find((line) => line.event === 'connected' && line.peer === 'client-1')).toMatchObject({ path: 'relay', attempt: 6 });
  });

  it('connects directly between port-restricted cones', async () => {
    const demo = spawnCli(['demo', '--clients', '1', '--json']);
    expect(await demo.exited).toBe(0);
    expect(demo.lines.at(-1)).toMatchObject({ ok: true, clients: [{ peer: 'client-1', path: 'direct' }] });
  });

  it('exits 2 for an unknown NAT kind', async () => {
    const demo = spawnCli(['demo', '--host-nat', 'carrier-grade']);
    expect(await demo.exited).toBe(2);
    expect(demo.stderr()).toMatch(/--host-nat must be one of open, full-cone/);
  });

  it('--dashboard serves a populated dashboard until stopped, then exits 0', async () => {
    const demo = spawnCli(['demo', '--dashboard', '--port', '0', '--admin-token', 'demo-dashboard-token-0123']);
    const ready = await demo.waitFor((line) => line.event === 'dashboard');
    const url = new URL(String(ready.url));
    expect(url.hash).toBe('#token=demo-dashboard-token-0123');
    await demo.waitFor((line) => line.event === 'settled');
    const stats = (await (await fetch(`${url.origin}/v1/stats`, { headers: { authorization: 'Bearer demo-dashboard-token-0123' } })).json()) as { totals: { connects: number; sessions: number } };
    expect(stats.totals.sessions).toBe(6);
    expect(stats.totals.connects).toBeGreaterThanOrEqual(9);
    expect((await fetch(`${url.origin}/dashboard`)).headers.get('content-type')).toMatch(/^text\/html/);
    expect(await demo.stop()).toBe(0);
  });

  it('--dashboard refuses a short admin token (exit 2)', async () => {
    const demo = spawnCli(['demo', '--dashboard', '--admin-token', 'short']);
    expect(await demo.exited).toBe(2);
    expect(demo.stderr()).toMatch(/--admin-token must be at least 16 characters/);
  });
});
