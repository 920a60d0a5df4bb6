/**
 * Failures a game can act on (manual clock, scripted sockets): a host without a server-reflexive
 * address warns at once, a client's CONNECT_TIMEOUT names what was missing, and a slow STUN
 * answer does not bunch a client's first attempts into one tick.
 */
import { describe, expect, it } from 'vitest';
import { PunchthroughError, flushAsync } from '../../../core/index.js';
import type { AttemptEvent, WarningEvent } from '../../../client-sdk/types.js';
import { connectTimeoutCauses } from '../../../client-sdk/peer/schedule.js';
import { addresses, ep, rig, untilReported } from '../../support/sdk-fakes.js';

const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);

describe('failures a game can act on', () => {
  it('a host whose STUN request fails starts, with a NO_REFLEXIVE_ADDRESS warning naming the consequence', async () => {
    const r = rig('server', {}, { stunBinding: () => Promise.reject(new PunchthroughError('STUN_TIMEOUT', 'no answer')) });
    const warnings: WarningEvent[] = [];
    r.runner.on('warning', (e) => warnings.push(e));
    const result = await r.runner.startGame({ mode: 'server' });
    expect(result.reflexive).toBeUndefined();
    expect(warnings).toEqual([{ code: 'NO_REFLEXIVE_ADDRESS', message: expect.stringContaining('only through the relay') }]);
    expect(warnings[0]!.message).toContain('no STUN server answered');
    await r.runner.shutdown();
  });

  it("a client's CONNECT_TIMEOUT says the server reported no server-reflexive address and the relay was unavailable", async () => {
    const r = rig('client', { attemptsLimit: 2 }, { createRelay: undefined });
    const started = r.runner.startGame({ mode: 'client', sessionName: 'room' });
    started.catch(() => undefined);
    await untilReported(r.signaling);
    const { reflexive: _dropped, ...withoutReflexive } = addresses(1, 'server', [serverLocal], serverReflexive);
    r.signaling.emit(withoutReflexive);
    await r.clock.advanceAsync(2000);
    await expect(started).rejects.toMatchObject({
      code: 'CONNECT_TIMEOUT',
      message: expect.stringMatching(/after 2 attempts \(1000 ms\): the server reported no server-reflexive address .*; the relay was unavailable/),
    });
    await r.runner.shutdown();
  });

  it('connectTimeoutCauses: nothing missing, nothing said; each gap named', () => {
    expect(connectTimeoutCauses({ peerReflexive: true, selfReflexive: true, relayAvailable: true, forceRelay: false })).toEqual([]);
    expect(connectTimeoutCauses({ peerReflexive: true, selfReflexive: false, relayAvailable: true, forceRelay: false })).toEqual([
      'this client has no server-reflexive address (its STUN request failed)',
    ]);
    expect(connectTimeoutCauses({ peerReflexive: true, selfReflexive: true, relayAvailable: false, forceRelay: true })[0]).toContain('forceRelay is on');
  });

  it("a slow STUN answer: the client's attempt clock starts when the client is ready, not when the server's addresses came", async () => {
    let answer: (value: { address: string; port: number }) => void = () => undefined;
    const r = rig('client', {}, { stunBinding: () => new Promise((resolve) => (answer = resolve)) });
    const attempts: AttemptEvent[] = [];
    r.runner.on('attempt', (e) => attempts.push(e));
    const started = r.runner.startGame({ mode: 'client', sessionName: 'room' });
    started.catch(() => undefined);
    for (let i = 0; i < 20; i++) await flushAsync();
    // The server's addresses arrive while this client still waits for its STUN answer...
    r.signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    await r.clock.advanceAsync(2200);
    expect(attempts).toEqual([]);
    // ...which comes 2.2 s later: attempt 0 leaves then, the next ones one interval apart.
    const readyAt = r.clock.now();
    answer({ address: '198.51.100.7', port: 50000 });
    await untilReported(r.signaling);
    await r.clock.advanceAsync(1000);
    expect(attempts.map((a) => [a.n, a.ms])).toEqual([
      [0, 0],
      [1, 500],
      [2, 1000],
    ]);
    expect(r.clock.now() - readyAt).toBe(1000);
    await r.runner.shutdown();
  });
});
