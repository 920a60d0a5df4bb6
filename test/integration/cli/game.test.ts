import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type SpawnedCli, spawnLoopbackCloud } from '../../support/cli.js';

// The real commands as a newcomer runs them: a cloud, a host, and clients in other terminals.
describe('punchthrough cloud + host + client', () => {
  let cloud: SpawnedCli;
  let host: SpawnedCli;
  let cloudUrl: string;

  beforeAll(async () => {
    cloud = spawnLoopbackCloud();
    cloudUrl = String((await cloud.waitFor((line) => line.event === 'ready')).http);
    host = spawnCli(['host', '--cloud', cloudUrl, '--session', 'cli-test', '--prop', 'map=dust', '--json']);
    await host.waitFor((line) => line.event === 'session' && line.name === 'cli-test');
  });

  afterAll(async () => {
    expect(await host?.stop()).toBe(0);
    expect(await cloud?.stop()).toBe(0);
  });

  it('connects a client directly and echoes 100 updates', async () => {
    const client = spawnCli(['client', '--cloud', cloudUrl, '--session', 'cli-test', '--updates', '100', '--interval-ms', '5', '--json']);
    expect(await client.exited).toBe(0);
    const connected = client.lines.find((line) => line.event === 'connected');
    expect(connected).toMatchObject({ path: 'direct', attempt: 0 });
    // Direct over either family: a machine with a global (or ULA) IPv6 address may connect over it.
    expect(connected?.remote).toMatch(/^([\d.]+|\[[\da-f:]+\]):\d+$/);
    expect(client.lines.find((line) => line.event === 'updates')).toMatchObject({ sent: 100 });
    const updates = client.lines.find((line) => line.event === 'updates')!;
    expect(Number(updates.echoed)).toBeGreaterThanOrEqual(95);
    expect(client.lines.find((line) => line.event === 'reflexive')?.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(client.lines.filter((line) => line.event === 'attempt')[0]).toEqual({ event: 'attempt', n: 0, path: 'direct' });
    const joined = await host.waitFor((line) => line.event === 'peer-connected' && line.path === 'direct');
    // The client said goodbye as it left.
    await host.waitFor((line) => line.event === 'peer-disconnected' && line.peer === joined.peer && line.reason === 'remote');
  });

  it('connects through the relay with --force-relay, joining at random with a filter', async () => {
    const client = spawnCli(['client', '--cloud', cloudUrl, '--filter', 'map=dust', '--updates', '20', '--interval-ms', '5', '--force-relay', '--json']);
    expect(await client.exited).toBe(0);
    expect(client.lines.find((line) => line.event === 'connected')).toMatchObject({ path: 'relay' });
    expect(client.lines.filter((line) => line.event === 'attempt').every((line) => line.path === 'relay')).toBe(true);
    await host.waitFor((line) => line.event === 'peer-connected' && line.path === 'relay');
  });

  it('fails with SESSION_NOT_FOUND and exit 1 for a missing session', async () => {
    const client = spawnCli(['client', '--cloud', cloudUrl, '--session', 'no-such-session', '--json']);
    expect(await client.exited).toBe(1);
    expect(client.lines.at(-1)).toMatchObject({ event: 'failed', code: 'SESSION_NOT_FOUND' });
  });

  it('fails with SESSION_EXISTS when a second host takes a taken name', async () => {
    const second = spawnCli(['host', '--cloud', cloudUrl, '--session', 'cli-test', '--json']);
    expect(await second.exited).toBe(1);
    expect(second.lines.at(-1)).toMatchObject({ event: 'failed', code: 'SESSION_EXISTS' });
  });

  it.each([
    [['client'], /--cloud URL is required/],
    [['client', '--cloud', 'http://127.0.0.1:1', '--updates', 'many'], /--updates must be an integer/],
    [['host', '--cloud', 'http://127.0.0.1:1', '--prop', 'novalue'], /--prop takes key=value/],
    [['host', '--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 with a usage message for bad flags: %j', async (args, message) => {
    const cli = spawnCli(args);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(message);
    expect(cli.stderr()).toMatch(/Usage: punchthrough (host|client)/);
  });
});
