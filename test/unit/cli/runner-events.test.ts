// The runner events `host` and `client` print: each entry of the table reaches the output with
// the runner's fields, and each is named in both commands' usage and in docs/cli.md.
import { EventEmitter } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NetworkRunner, NetworkRunnerEvents } from '../../../client-sdk/index.js';
import { clientCommand } from '../../../cli/client-command.js';
import { hostCommand } from '../../../cli/host-command.js';
import type { Output } from '../../../cli/output.js';
import { RUNNER_EVENT_LINES, reportRunnerEvents, runnerEnded } from '../../../cli/runner-events.js';
import { MESSAGES_PRINTED_AS_EVENTS } from '../../../cli/runner-logger.js';

const direct = { address: '198.51.100.2', port: 40000, family: 'IPv4' as const };
const relay = { address: '203.0.113.1', port: 5055, family: 'IPv4' as const };

/** One sample of each event the table prints. */
const samples: { [K in keyof NetworkRunnerEvents]?: NetworkRunnerEvents[K] } = {
  pathChanged: [{ peerId: 'p1', path: 'direct', remote: direct, from: 'relay', previousRemote: relay, reason: 'upgrade' }],
  relayError: [{ code: 'PEER_NOT_BOUND', message: 'actor 3 is not bound', actor: 3, usable: true }],
  signalingLost: [{ code: 'CLOUD_UNREACHABLE', message: 'closed' }],
  cloudConnectionLost: [{ code: 'CLOUD_UNREACHABLE', reason: 'closed', reconnecting: true }],
  cloudConnectionRestored: [{ how: 'restored', sessionId: 's1', actor: 1 }],
  sessionClosed: [{ sessionId: 's1', reason: 'serverLeft' }],
  playerJoined: [{ actor: 2, peerId: 'p2', mode: 'client', rejoined: false }],
  playerInactive: [{ actor: 2, peerId: 'p2', expiresInMs: 5000 }],
  playerLeft: [{ actor: 2, peerId: 'p2', reason: 'timeout' }],
  sessionPropertiesChanged: [{ changed: { round: 2 }, actor: 1, session: { name: 'n', id: 's1', properties: { round: 2 }, playerCount: 2, maxPlayers: 4, open: true, visible: true } }],
  natTypeDiscovered: [{ natType: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' }],
  warning: [{ code: 'NO_REFLEXIVE_ADDRESS', message: 'no STUN answer' }],
  shutdown: [{ reason: 'kicked', code: 'KICKED', message: 'the host kicked you' }],
};

function recording(): { out: Output; lines: Array<[Record<string, unknown>, string]> } {
  const lines: Array<[Record<string, unknown>, string]> = [];
  const out: Output = { json: true, event: (event, human) => lines.push([event, human]), status: () => undefined, failed: () => undefined };
  return { out, lines };
}

describe('CLI runner events', () => {
  it('prints each event of the table with its fields, kebab-cased, and a readable line', () => {
    const runner = new EventEmitter() as unknown as NetworkRunner;
    const { out, lines } = recording();
    reportRunnerEvents(runner, out);
    for (const [name, args] of Object.entries(samples)) runner.emit(name as keyof NetworkRunnerEvents, ...(args as [never]));
    expect(Object.keys(samples).sort()).toEqual(Object.keys(RUNNER_EVENT_LINES).sort());
    expect(lines.map(([event]) => event)).toEqual([
      { event: 'path-changed', peer: 'p1', path: 'direct', remote: '198.51.100.2:40000', from: 'relay', reason: 'upgrade' },
      { event: 'relay-error', code: 'PEER_NOT_BOUND', message: 'actor 3 is not bound', usable: true, actor: 3 },
      { event: 'signaling-lost', code: 'CLOUD_UNREACHABLE', message: 'closed' },
      { event: 'cloud-lost', code: 'CLOUD_UNREACHABLE', reason: 'closed', reconnecting: true },
      { event: 'cloud-restored', how: 'restored', session: 's1', actor: 1 },
      { event: 'session-closed', session: 's1', reason: 'serverLeft' },
      { event: 'player-joined', actor: 2, peer: 'p2', mode: 'client', rejoined: false },
      { event: 'player-inactive', actor: 2, peer: 'p2', expiresInMs: 5000 },
      { event: 'player-left', actor: 2, peer: 'p2', reason: 'timeout' },
      { event: 'session-properties', actor: 1, changed: { round: 2 }, open: true, visible: true },
      { event: 'nat-type', natType: 'symmetric', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
      { event: 'warning', code: 'NO_REFLEXIVE_ADDRESS', message: 'no STUN answer' },
      // The message is the `failed` line's, not repeated here.
      { event: 'shutdown', reason: 'kicked', code: 'KICKED' },
    ]);
    expect(lines.map(([, human]) => human)).toEqual([
      'path      p1 relay → direct 198.51.100.2:40000 (upgrade)',
      'relay     PEER_NOT_BOUND: actor 3 is not bound',
      'signaling lost CLOUD_UNREACHABLE: closed',
      'cloud     lost (CLOUD_UNREACHABLE: closed), reconnecting',
      'cloud     back: restored session s1 as actor 1',
      'closed    session s1 (serverLeft)',
      'player    2 joined (client, p2)',
      'player    2 inactive, its slot kept 5000 ms',
      'player    2 left (timeout)',
      'session   properties changed by 1: {"round":2}',
      'nat       symmetric (mapping address-and-port-dependent, filtering address-and-port-dependent)',
      'warning   NO_REFLEXIVE_ADDRESS: no STUN answer',
      'shutdown  kicked (KICKED)',
    ]);
  });

  it('turns a shutdown with an error into the error the command prints, and ignores one it asked for', async () => {
    const runner = new EventEmitter() as unknown as NetworkRunner;
    const ended = runnerEnded(runner);
    let settled = false;
    void ended.then(() => (settled = true));
    runner.emit('shutdown', { reason: 'ok', message: 'the game called shutdown()' });
    await Promise.resolve();
    expect(settled).toBe(false);
    runner.emit('shutdown', { reason: 'kicked', code: 'KICKED', message: 'the host kicked you' });
    await expect(ended).resolves.toMatchObject({ code: 'KICKED', message: 'the host kicked you' });
  });

  it('names every printed event in both commands’ usage and in docs/cli.md', () => {
    const docs = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    const runner = new EventEmitter() as unknown as NetworkRunner;
    const { out, lines } = recording();
    reportRunnerEvents(runner, out);
    for (const [name, args] of Object.entries(samples)) runner.emit(name as keyof NetworkRunnerEvents, ...(args as [never]));
    for (const [{ event }] of lines) {
      expect(docs).toContain(`| \`${String(event)}\` |`);
      for (const usage of [hostCommand.usage, clientCommand.usage]) expect(usage.replace(/\s+/g, ' ')).toMatch(new RegExp(`\\b${String(event)}\\b`));
    }
  });

  it('drops only log messages the runner still writes (a renamed one would be printed twice again)', () => {
    const sdk = new URL('../../../client-sdk/', import.meta.url);
    const sources = readdirSync(sdk, { recursive: true })
      .filter((file) => String(file).endsWith('.ts'))
      .map((file) => readFileSync(new URL(String(file), sdk), 'utf8'))
      .join('\n');
    for (const message of MESSAGES_PRINTED_AS_EVENTS) expect(sources).toContain(`'${message}'`);
  });
});
