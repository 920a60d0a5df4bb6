// `punchthrough client --filter rank=5` finds a session whose property is the number 5 (an SDK
// host's), and `--prop rank=5` on the host makes the same number, as the HTTP lobby shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkRunner } from '../../../client-sdk/index.js';
import { DEFAULT_CLI_APP_ID } from '../../../cli/constants.js';
import { spawnCli, spawnLoopbackCloud, type SpawnedCli } from '../../support/cli.js';

describe('typed filters from the command line', () => {
  let cloud: SpawnedCli;
  let cloudUrl: string;
  const runners: NetworkRunner[] = [];

  beforeAll(async () => {
    cloud = spawnLoopbackCloud();
    cloudUrl = String((await cloud.waitFor((line) => line.event === 'ready')).http);
  });

  afterAll(async () => {
    await Promise.allSettled(runners.map((r) => r.shutdown()));
    expect(await cloud?.stop()).toBe(0);
  });

  it('a client with --filter rank=5 --filter ranked=true joins an SDK host with {rank: 5, ranked: true}', async () => {
    const host = new NetworkRunner({ cloudUrl, appId: DEFAULT_CLI_APP_ID, bindAddress: '127.0.0.1' });
    runners.push(host);
    host.on('message', ({ peerId, data }) => host.send(peerId, data));
    const hosted = await host.startGame({ mode: 'server', sessionProperties: { rank: 5, ranked: true } });
    const client = spawnCli(['client', '--cloud', cloudUrl, '--filter', 'rank=5', '--filter', 'ranked=true', '--updates', '5', '--interval-ms', '5', '--json']);
    expect(await client.exited).toBe(0);
    expect(client.lines.find((line) => line.event === 'connected')).toBeDefined();
    const lobby = await fetch(`${cloudUrl}/v1/sessions?appId=${DEFAULT_CLI_APP_ID}&appVersion=1&rank=5&ranked=true`);
    expect(((await lobby.json()) as { sessions: { name: string }[] }).sessions.map((s) => s.name)).toContain(hosted.sessionName);
    const list = spawnCli(['list', '--cloud', cloudUrl, '--filter', 'rank=5', '--filter', 'ranked=true', '--json']);
    expect(await list.exited).toBe(0);
    expect(list.lines).toMatchObject([
      { event: 'session', name: hosted.sessionName, players: 1, properties: { rank: 5, ranked: true } },
      { event: 'listed', count: 1 },
    ]);
    const none = spawnCli(['list', '--cloud', cloudUrl, '--filter', 'rank="5"', '--json']);
    expect(await none.exited).toBe(0);
    expect(none.lines).toEqual([{ event: 'listed', count: 0 }]);
  });

  it('a host with --prop rank=7 lists the number 7, and a client filtering on the string "7" does not find it', async () => {
    const host = spawnCli(['host', '--cloud', cloudUrl, '--session', 'typed-cli', '--prop', 'rank=7', '--json']);
    await host.waitFor((line) => line.event === 'session' && line.name === 'typed-cli');
    const lobby = await fetch(`${cloudUrl}/v1/sessions?appId=${DEFAULT_CLI_APP_ID}&appVersion=1&rank=7`);
    expect(((await lobby.json()) as { sessions: unknown[] }).sessions).toMatchObject([{ name: 'typed-cli', properties: { rank: 7 } }]);
    const client = spawnCli(['client', '--cloud', cloudUrl, '--filter', 'rank="7"', '--updates', '1', '--json']);
    expect(await client.exited).toBe(1);
    expect(client.lines.find((line) => line.event === 'failed')).toMatchObject({ code: 'NO_MATCH' });
    expect(await host.stop()).toBe(0);
  });
});
