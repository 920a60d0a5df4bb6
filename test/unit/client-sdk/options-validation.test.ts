/**
 * Configuration errors are INVALID_OPTIONS naming the field, at construction or at startGame,
 * never a network error (docs/configuration.md); a wrong `send` argument is INVALID_REQUEST.
 */
import { describe, expect, it } from 'vitest';
import { isPunchthroughError } from '../../../core/index.js';
import type { NetworkRunnerOptions, StartGameOptions } from '../../../client-sdk/index.js';
import { NetworkRunner } from '../../../client-sdk/index.js';
import { rig } from '../../support/sdk-fakes.js';

const BASE: NetworkRunnerOptions = { cloudUrl: 'http://127.0.0.1:7070', appId: 'game' };

/** [what, options, the field the message names]; every one throws INVALID_OPTIONS. */
const BAD_OPTIONS: [string, Record<string, unknown>, string][] = [
  ['empty cloudUrl', { cloudUrl: '' }, 'cloudUrl'],
  ['missing cloudUrl', { cloudUrl: undefined }, 'cloudUrl'],
  ['cloudUrl without a scheme', { cloudUrl: '127.0.0.1:7070' }, 'cloudUrl'],
  ['cloudUrl with a bad port', { cloudUrl: 'http://127.0.0.1:99999' }, 'cloudUrl'],
  ['cloudUrl with port 0', { cloudUrl: 'http://127.0.0.1:0' }, 'cloudUrl'],
  ['cloudUrl with another scheme', { cloudUrl: 'ftp://cloud.example' }, 'cloudUrl'],
  ['cloudUrl not a string', { cloudUrl: 7070 }, 'cloudUrl'],
  ['empty appId', { appId: '' }, 'appId'],
  ['appVersion a number', { appVersion: 2 }, 'appVersion'],
  ['port 99999', { port: 99999 }, 'port'],
  ['port -1', { port: -1 }, 'port'],
  ['port 1.5', { port: 1.5 }, 'port'],
  ['port a string', { port: '4000' }, 'port'],
  ['bindAddress not an IP', { bindAddress: 'localhost' }, 'bindAddress'],
  ['bindAddress6 an IPv4 address', { bindAddress6: '127.0.0.1' }, 'bindAddress6'],
  ['stunServers a string', { stunServers: '1.2.3.4:3478' }, 'stunServers'],
  ['stunServers entry without a port', { stunServers: ['1.2.3.4'] }, 'stunServers[0]'],
  ['stunServers entry with port 70000', { stunServers: ['1.2.3.4:3478', '1.2.3.4:70000'] }, 'stunServers[1]'],
  ['stunServers entry port 0', { stunServers: ['1.2.3.4:0'] }, 'stunServers[0]'],
  ['stunServers entry not a string', { stunServers: [3478] }, 'stunServers[0]'],
  ['cloudConnectTimeoutMs 0', { cloudConnectTimeoutMs: 0 }, 'cloudConnectTimeoutMs'],
  ['requestTimeoutMs beyond a timer', { requestTimeoutMs: 2 ** 31 }, 'requestTimeoutMs'],
  ['requestTimeoutMs NaN', { requestTimeoutMs: Number.NaN }, 'requestTimeoutMs'],
  ['attemptIntervalMs Infinity', { attemptIntervalMs: Number.POSITIVE_INFINITY }, 'attemptIntervalMs'],
  ['keepaliveIntervalMs negative', { keepaliveIntervalMs: -5 }, 'keepaliveIntervalMs'],
  ['peerTimeoutMs a string', { peerTimeoutMs: '10000' }, 'peerTimeoutMs'],
  ['attemptsLimit 0', { attemptsLimit: 0 }, 'attemptsLimit'],
  ['attemptsLimit 256', { attemptsLimit: 256 }, 'attemptsLimit'],
  ['directFraction 1.5', { directFraction: 1.5 }, 'directFraction'],
  ['primeTtl 0', { primeTtl: 0 }, 'primeTtl'],
  ['primeTtl 300', { primeTtl: 300 }, 'primeTtl'],
  ['connectPolicy unknown', { connectPolicy: 'fastest' }, 'connectPolicy'],
  ['forceRelay the string "false"', { forceRelay: 'false' }, 'forceRelay'],
  ['discoverNat 1', { discoverNat: 1 }, 'discoverNat'],
  ['localAddresses an array', { localAddresses: 'eth0' }, 'localAddresses'],
  ['signaling not a function', { signaling: {} }, 'signaling'],
];

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('NetworkRunner options: INVALID_OPTIONS naming the field', () => {
  for (const [what, bad, field] of BAD_OPTIONS) {
    it(`${what}: names ${field}`, () => {
      const error = thrown(() => new NetworkRunner({ ...BASE, ...bad } as NetworkRunnerOptions));
      expect(isPunchthroughError(error) && error.code).toBe('INVALID_OPTIONS');
      expect((error as Error).message).toContain(field);
    });
  }

  it('accepts what the docs show: http, https, ws and wss URLs with or without a port, IPv6 STUN servers, a hostname', () => {
    for (const good of [
      { cloudUrl: 'https://cloud.example.com' },
      { cloudUrl: 'ws://[::1]:7070/signaling' },
      { cloudUrl: 'wss://cloud.example.com/signaling' },
      { stunServers: ['203.0.113.1:3478', '[2001:db8::1]:3478', 'stun.example.com:3478'] },
      { port: 0 },
      { port: 65535 },
      { requestTimeoutMs: 3_600_000 },
    ]) {
      expect(() => new NetworkRunner({ ...BASE, ...good })).not.toThrow();
    }
  });

  it('a game with its own signaling may give any cloudUrl (the connector decides what it means)', () => {
    expect(() => new NetworkRunner({ ...BASE, cloudUrl: 'my-backend', signaling: () => Promise.reject(new Error('unused')) })).not.toThrow();
  });
});

/** [what, startGame options, the field named]. */
const BAD_STARTS: [string, Record<string, unknown>, string][] = [
  ["mode 'host' (plain JavaScript)", { mode: 'host' }, 'mode'],
  ['no mode', {}, 'mode'],
  ['maxPlayers 0', { mode: 'server', maxPlayers: 0 }, 'maxPlayers'],
  ['maxPlayers 2.5', { mode: 'server', maxPlayers: 2.5 }, 'maxPlayers'],
  ['maxPlayers beyond the protocol', { mode: 'server', maxPlayers: 5000 }, 'maxPlayers'],
  ['sessionName a number', { mode: 'client', sessionName: 42 }, 'sessionName'],
  ['open a string', { mode: 'server', open: 'yes' }, 'open'],
  ['sessionProperties an array', { mode: 'server', sessionProperties: ['map'] }, 'sessionProperties'],
  ['filter a string', { mode: 'client', filter: 'rank=5' }, 'filter'],
];

describe('startGame options: INVALID_OPTIONS before any request, the runner shut down with invalidArguments', () => {
  for (const [what, bad, field] of BAD_STARTS) {
    it(`${what}: names ${field}`, async () => {
      const r = rig('client');
      const shutdowns: unknown[] = [];
      r.runner.on('shutdown', (e) => shutdowns.push(e));
      await expect(r.runner.startGame(bad as unknown as StartGameOptions)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining(field) });
      expect(r.signaling.requests).toEqual([]);
      expect(shutdowns).toEqual([expect.objectContaining({ reason: 'invalidArguments', code: 'INVALID_OPTIONS' })]);
    });
  }
});

describe('send and broadcast: INVALID_REQUEST naming the argument', () => {
  const cases: [string, unknown, string][] = [
    ['a string', 'hello', 'TextEncoder'],
    ['an ArrayBuffer', new ArrayBuffer(4), 'new Uint8Array(buffer)'],
    ['a number array', [1, 2, 3], 'an array'],
    ['undefined', undefined, 'undefined'],
  ];
  for (const [what, data, hint] of cases) {
    it(`${what}`, () => {
      const { runner } = rig('server');
      for (const call of [() => runner.send('p2', data as Uint8Array), () => runner.broadcast(data as Uint8Array)]) {
        const error = thrown(call);
        expect(isPunchthroughError(error) && error.code).toBe('INVALID_REQUEST');
        expect((error as Error).message).toContain('data must be a Uint8Array');
        expect((error as Error).message).toContain(hint);
      }
    });
  }
});
