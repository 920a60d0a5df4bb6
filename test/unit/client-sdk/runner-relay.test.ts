// NetworkRunner when the relay fails (scripted relay, manual clock): a failed bind at start, a
// rebind that fails (a revoked ticket) and errors the relay reports while bound each surface as a
// `relayError` event; attempts stay direct when no relay can be reached.
import { describe, expect, it } from 'vitest';
import { PunchthroughError } from '../../../core/index.js';
import type { AttemptEvent, RelayErrorEvent } from '../../../client-sdk/types.js';
import { addresses, ep, rig, untilReported } from '../../support/sdk-fakes.js';

const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);

function listen(runner: ReturnType<typeof rig>['runner']) {
  const errors: RelayErrorEvent[] = [];
  const attempts: AttemptEvent[] = [];
  runner.on('relayError', (e) => errors.push(e));
  runner.on('attempt', (e) => attempts.push(e));
  return { errors, attempts };
}

describe('NetworkRunner: relay failures are events', () => {
  it('a bind that fails at start: a relayError, and every client attempt stays direct', async () => {
    const r = rig('client');
    r.relay.bindError = new PunchthroughError('TICKET_REVOKED', 'relay: TICKET_REVOKED');
    const { errors, attempts } = listen(r.runner);
    const started = r.runner.startGame({ mode: 'client', sessionName: 'room' });
    started.catch(() => undefined);
    await untilReported(r.signaling);
    expect(errors).toEqual([{ code: 'TICKET_REVOKED', message: 'relay: TICKET_REVOKED', usable: false }]);
    r.signaling.emit(addresses(1, 'server', [serverLocal], serverReflexive));
    await r.clock.advanceAsync(5000);
    await expect(started).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    expect(attempts.map((a) => a.path)).toEqual(Array(10).fill('direct'));
    expect(r.relay.sent).toEqual([]);
  });

  it('an error the relay reports while bound names the other actor; the relay stays usable', async () => {
    const r = rig('server');
    const { errors } = listen(r.runner);
    await r.runner.startGame({ mode: 'server', sessionName: 'room' });
    r.relay.reportError(new PunchthroughError('PEER_NOT_BOUND', 'relay: PEER_NOT_BOUND'), 2);
    expect(errors).toEqual([{ code: 'PEER_NOT_BOUND', message: 'relay: PEER_NOT_BOUND', actor: 2, usable: true }]);
    await r.runner.shutdown();
  });

  it('a rebind that fails (the ticket was revoked) is a relayError with the relay no longer usable', async () => {
    const r = rig('server');
    const { errors } = listen(r.runner);
    await r.runner.startGame({ mode: 'server', sessionName: 'room' });
    r.relay.bindError = new PunchthroughError('TICKET_REVOKED', 'relay: TICKET_REVOKED');
    r.relay.setState('binding');
    // The relay client reports a fatal bind error to its error handlers too: the bind's outcome says it once.
    r.relay.reportError(r.relay.bindError);
    await Promise.resolve();
    await Promise.resolve();
    expect(errors).toEqual([{ code: 'TICKET_REVOKED', message: 'relay: TICKET_REVOKED', usable: false }]);
    await r.runner.shutdown();
  });

  it('a relay closed by the runner itself (shutdown) reports nothing', async () => {
    const r = rig('client');
    const { errors } = listen(r.runner);
    const started = r.runner.startGame({ mode: 'client', sessionName: 'room' });
    started.catch(() => undefined);
    await untilReported(r.signaling);
    r.relay.bindError = new PunchthroughError('NOT_BOUND', 'the relay client is closed');
    await r.runner.shutdown();
    r.relay.setState('binding');
    r.relay.reportError(new PunchthroughError('PEER_NOT_BOUND', 'relay: PEER_NOT_BOUND'), 1);
    await Promise.resolve();
    expect(errors).toEqual([]);
  });
});
