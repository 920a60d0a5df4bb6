// Sessions and lobby through the SDK on loopback: real sockets, the real session service over
// its WebSocket and HTTP, STUN and relay on port 0. The lobby subscription, runner.session and
// property changes, HTTP filters on typed values, and autoHostOrClient's race.
import { describe, expect, it } from 'vitest';
import type { NetworkRunner, NetworkRunnerOptions, SessionListUpdatedEvent, SessionPropertiesChangedEvent } from '../../../client-sdk/index.js';
import { useLoopbackRunners } from '../../support/loopback-runners.js';

const loopback = useLoopbackRunners('sessions-lobby');

function runner(appId: string, options: Partial<NetworkRunnerOptions> = {}): NetworkRunner {
  return loopback.runner({ appId, ...options });
}

/** Resolves once `check` holds, polling the real event loop (no timed assertion: vitest's timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

describe('sessions and lobby on loopback', () => {
  it('pushes the lobby, keeps runner.session current, and changes properties with compare-and-set', async () => {
    const browser = runner('lobby-loopback');
    const lists: SessionListUpdatedEvent[] = [];
    browser.on('sessionListUpdated', (event) => lists.push(event));
    expect(await browser.joinLobby()).toEqual([]);

    const host = runner('lobby-loopback');
    await host.startGame({ mode: 'server', sessionName: 'loop', sessionProperties: { rank: 5, ranked: true } });
    await until(() => lists.at(-1)!.sessions.length === 1);
    expect(lists.at(-1)!.sessions[0]).toMatchObject({ name: 'loop', properties: { rank: 5, ranked: true }, playerCount: 1 });

    const client = runner('lobby-loopback');
    await client.startGame({ mode: 'client', filter: { rank: 5 } });
    expect(client.session).toMatchObject({ name: 'loop', properties: { rank: 5, ranked: true }, playerCount: 2 });
    await until(() => lists.at(-1)!.sessions[0]?.playerCount === 2);

    const heard: SessionPropertiesChangedEvent[] = [];
    client.on('sessionPropertiesChanged', (event) => heard.push(event));
    await host.setSessionProperties({ rank: 6 }, { expected: { rank: 5 } });
    expect(await codeOf(host.setSessionProperties({ rank: 7 }, { expected: { rank: 5 } }))).toBe('PROPERTIES_MISMATCH');
    expect(await codeOf(client.setSessionVisible(false))).toBe('NOT_ALLOWED');
    await until(() => heard.length === 1);
    expect(client.session!.properties).toEqual({ rank: 6, ranked: true });
    await until(() => lists.at(-1)!.sessions[0]?.properties.rank === 6);

    await host.setSessionOpen(false);
    await until(() => lists.at(-1)!.sessions.length === 0);
    expect(await browser.listSessions()).toEqual([]);
    await browser.leaveLobby();
  });

  it('over HTTP, rank=5 finds {rank: 5} and ranked=true finds {ranked: true}', async () => {
    const host = runner('lobby-http');
    await host.startGame({ mode: 'server', sessionName: 'typed', sessionProperties: { rank: 5, ranked: true } });
    const names = async (query: string): Promise<string[]> => {
      const response = await fetch(`${loopback.cloud.url}/v1/sessions?appId=lobby-http&appVersion=1&${query}`);
      return ((await response.json()) as { sessions: { name: string }[] }).sessions.map((s) => s.name);
    };
    expect(await names('rank=5')).toEqual(['typed']);
    expect(await names('ranked=true')).toEqual(['typed']);
    expect(await names('rank=5&ranked=false')).toEqual([]);
  });

  it('autoHostOrClient: two runners started at once end as one server and one client, connected', async () => {
    for (const sessionName of [undefined, 'auto-named']) {
      const [a, b] = [runner('lobby-auto'), runner('lobby-auto')];
      const game = { mode: 'autoHostOrClient' as const, filter: { queue: sessionName ?? 'random' }, ...(sessionName ? { sessionName } : {}) };
      const results = await Promise.all([a.startGame(game), b.startGame(game)]);
      expect(results.map((r) => r.mode).sort()).toEqual(['client', 'server']);
      expect(results[0]!.sessionId).toBe(results[1]!.sessionId);
      const server = results[0]!.mode === 'server' ? a : b;
      await until(() => server.connectedPeers().length === 1);
      expect(results.find((r) => r.mode === 'client')!.server).toBeDefined();
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });
});
