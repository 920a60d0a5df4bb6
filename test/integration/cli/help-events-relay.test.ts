// The CLI's top-level help and version, flag ranges from the cloud's limits, failures printed
// once, the runner events host and client print, and `cloud --relay-endpoint` with an external relay.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudDefaults, createCloud } from '../../../src/index.js';
import { spawnCli, spawnLoopbackCloud, type SpawnedCli } from '../../support/cli.js';

const COMMAND_MODULES = {
  cloud: async () => (await import('../../../cli/cloud-command.js')).cloudCommand,
  host: async () => (await import('../../../cli/host-command.js')).hostCommand,
  client: async () => (await import('../../../cli/client-command.js')).clientCommand,
  demo: async () => (await import('../../../cli/demo-command.js')).demoCommand,
  stun: async () => (await import('../../../cli/stun-command.js')).stunCommand,
  relay: async () => (await import('../../../cli/relay-command.js')).relayCommand,
};
const secret = 'cli relay-endpoint secret, long enough';
const fast = ['--updates', '10', '--interval-ms', '5', '--json'];

describe('punchthrough CLI: help, version and flag ranges', () => {
  it('lists each command with its one-line summary; `<command> --help` prints its flags', async () => {
    const help = spawnCli(['--help']);
    expect(await help.exited).toBe(0);
    const text = help.lines.map((line) => line.raw).join('\n');
    for (const [name, load] of Object.entries(COMMAND_MODULES)) {
      const command = await load();
      expect(text).toMatch(new RegExp(`^  ${name} +${command.summary.replace(/[()+.]/g, '\\$&')}$`, 'm'));
      const own = spawnCli([name, '--help']);
      expect(await own.exited).toBe(0);
      // A usage line that happens to be JSON was parsed (its indent lost): compare trimmed lines.
      const printed = own.lines.map((line) => String(line.raw ?? JSON.stringify(line)).trim());
      expect(printed).toEqual(command.usage.split('\n').map((line) => line.trim()));
    }
    expect(text).toMatch(/--version/);
  });

  it("prints the package.json version with --version", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const cli = spawnCli(['--version']);
    expect(await cli.exited).toBe(0);
    expect(cli.lines).toEqual([{ raw: version }]);
  });

  it("takes --max-players from 1 to the cloud's limit, and says the limit", async () => {
    const limit = cloudDefaults.DEFAULT_MAX_PLAYERS_LIMIT;
    for (const value of ['0', String(limit + 1)]) {
      const cli = spawnCli(['host', '--cloud', 'http://127.0.0.1:1', '--max-players', value]);
      expect(await cli.exited).toBe(2);
      expect(cli.stderr()).toContain(`--max-players must be an integer from 1 to ${limit}, got "${value}"`);
    }
    const host = spawnCli(['host', '--help']);
    await host.exited;
    expect(host.lines.map((line) => line.raw).join('\n')).toContain(`1–${limit} (default: the cloud's, ${cloudDefaults.DEFAULT_MAX_PLAYERS})`);
  });

  it.each([
    [['--relay-endpoint', 'relay.example:5055'], {}, /--relay-endpoint takes IP:PORT/],
    [['--relay-endpoint', '127.0.0.1:0'], {}, /--relay-endpoint takes IP:PORT/],
    [['--relay-endpoint', '127.0.0.1:5055'], {}, /--relay-endpoint needs PUNCHTHROUGH_RELAY_SECRET/],
    [['--relay-endpoint', '127.0.0.1:5055', '--relay-port', '0'], { PUNCHTHROUGH_RELAY_SECRET: secret }, /drop --relay-port/],
  ])('refuses cloud %j with exit 2', async (args, env, message) => {
    const cli = spawnCli(['cloud', ...args], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(message);
  });
});

describe('punchthrough host and client: failures once, runner events', () => {
  const running: SpawnedCli[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((cli) => cli.stop()));
  });
  const start = (args: string[], env: NodeJS.ProcessEnv = {}): SpawnedCli => {
    const cli = spawnCli(args, env);
    running.push(cli);
    return cli;
  };
  const cloudAt = async (): Promise<string> => {
    const cloud = spawnLoopbackCloud();
    running.push(cloud);
    return String((await cloud.waitFor((line) => line.event === 'ready')).http);
  };

  it('prints a failed start once: one `failed` line after a `shutdown` with its reason, nothing on stderr', async () => {
    const cloudUrl = await cloudAt();
    const client = start(['client', '--cloud', cloudUrl, '--session', 'nobody-hosts-this', '--json'], { LOG_LEVEL: 'info' });
    expect(await client.exited).toBe(1);
    const failed = client.lines.filter((line) => line.event === 'failed');
    expect(failed).toEqual([{ event: 'failed', code: 'SESSION_NOT_FOUND', message: expect.any(String) }]);
    expect(client.lines.filter((line) => line.event === 'shutdown')).toEqual([{ event: 'shutdown', reason: 'gameNotFound', code: 'SESSION_NOT_FOUND' }]);
    expect(client.stderr()).not.toContain(String(failed[0]!.message));
    expect(client.stderr()).not.toMatch(/start failed/);

    const first = start(['host', '--cloud', cloudUrl, '--session', 'taken', '--json']);
    await first.waitFor((line) => line.event === 'session');
    const second = start(['host', '--cloud', cloudUrl, '--session', 'taken', '--json'], { LOG_LEVEL: 'info' });
    expect(await second.exited).toBe(1);
    expect(second.lines.filter((line) => line.event === 'failed')).toEqual([{ event: 'failed', code: 'SESSION_EXISTS', message: expect.any(String) }]);
    expect(second.stderr()).not.toMatch(/start failed|already exists/);
  });

  it('prints session-closed and shutdown at a client whose host left', async () => {
    const cloudUrl = await cloudAt();
    const host = start(['host', '--cloud', cloudUrl, '--json']);
    const session = await host.waitFor((line) => line.event === 'session');
    expect(String(session.name)).not.toMatch(/^-/);
    const client = start(['client', '--cloud', cloudUrl, '--session', String(session.name), '--updates', '1000', '--interval-ms', '20', '--json']);
    await client.waitFor((line) => line.event === 'connected');
    expect(await host.stop()).toBe(0);
    expect(host.lines.at(-1)).toEqual({ event: 'shutdown', reason: 'ok' });
    await client.waitFor((line) => line.event === 'session-closed');
    expect(client.lines.find((line) => line.event === 'session-closed')).toEqual({ event: 'session-closed', session: expect.any(String), reason: 'serverLeft' });
    // The cloud closing the session ends the client's runner (Fusion's GameClosed): printed once, exit 1.
    expect(await client.stop()).toBe(1);
    expect(client.lines.find((line) => line.event === 'shutdown')).toEqual({ event: 'shutdown', reason: 'gameClosed', code: 'SESSION_CLOSED' });
    expect(client.lines.at(-1)).toMatchObject({ event: 'failed', code: 'SESSION_CLOSED' });
  });

  it('hands out an external relay with cloud --relay-endpoint: host and client connect through it', async () => {
    const relay = start(['relay', '--host', '127.0.0.1', '--port', '0', '--json'], { PUNCHTHROUGH_RELAY_SECRET: secret });
    const relayAt = String((await relay.waitFor((line) => line.event === 'ready')).relay);
    const cloud = start(
      ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-endpoint', relayAt, '--json'],
      { PUNCHTHROUGH_RELAY_SECRET: secret },
    );
    const ready = await cloud.waitFor((line) => line.event === 'ready');
    expect(ready.relay).toBe(relayAt);
    const cloudUrl = String(ready.http);
    const host = start(['host', '--cloud', cloudUrl, '--session', 'external', '--json']);
    await host.waitFor((line) => line.event === 'session');
    const client = start(['client', '--cloud', cloudUrl, '--session', 'external', '--force-relay', ...fast]);
    expect(await client.exited).toBe(0);
    expect(client.lines.find((line) => line.event === 'connected')).toMatchObject({ path: 'relay', remote: relayAt });
    expect(client.lines.filter((line) => line.event === 'relay-error')).toEqual([]);
    await host.stop();
    expect(await relay.stop()).toBe(0);
    const stats = relay.lines.find((line) => line.event === 'closed')?.stats as { packetsRelayed: number };
    expect(stats.packetsRelayed).toBeGreaterThanOrEqual(20);
  });

  it('starts no relay of its own with createCloud({ relayEndpoint }), and hands out the external one', async () => {
    const relayEndpoint = { address: '127.0.0.1', port: 6055 };
    const cloud = await createCloud({ host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayEndpoint, relaySecret: secret });
    try {
      expect(cloud.relay).toEqual({ ...relayEndpoint, family: 'IPv4' });
      expect('relayServer' in cloud).toBe(false);
      expect('relay6' in cloud).toBe(false);
      const metrics = await cloud.metrics();
      expect(metrics).toContain('punchthrough_stun_requests_total');
      expect(metrics).not.toContain('punchthrough_relay_');
    } finally {
      await cloud.close();
    }
  });

  it('prints relay-error once (not again on stderr) when the external relay was given another secret', async () => {
    const relay = start(['relay', '--host', '127.0.0.1', '--port', '0', '--json'], { PUNCHTHROUGH_RELAY_SECRET: `${secret}, but another` });
    const relayAt = String((await relay.waitFor((line) => line.event === 'ready')).relay);
    const cloud = start(
      ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-endpoint', relayAt, '--json'],
      { PUNCHTHROUGH_RELAY_SECRET: secret },
    );
    const cloudUrl = String((await cloud.waitFor((line) => line.event === 'ready')).http);
    const host = start(['host', '--cloud', cloudUrl, '--session', 'wrong-secret', '--json'], { LOG_LEVEL: 'info' });
    const refused = await host.waitFor((line) => line.event === 'relay-error');
    expect(refused).toEqual({ event: 'relay-error', code: 'TICKET_INVALID', message: expect.any(String), usable: false });
    expect(host.lines.filter((line) => line.event === 'relay-error')).toHaveLength(1);
    expect(host.stderr()).not.toMatch(/relay bind failed/);
  });
});
