import { describe, expect, it } from 'vitest';
import { spawnCli } from '../../support/cli.js';

describe('punchthrough CLI', () => {
  it('exits 2 with usage for an unknown command', async () => {
    const cli = spawnCli(['no-such-command']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/unknown command "no-such-command"/);
    expect(cli.stderr()).toMatch(/Usage: punchthrough <command>/);
  });

  it('prints usage and exits 0 with --help', async () => {
    const cli = spawnCli(['--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.lines.map((line) => line.raw).join('\n')).toMatch(/Usage: punchthrough <command>/);
  });
});
