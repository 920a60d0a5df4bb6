// `punchthrough secret`: prints a fresh whsec_ secret that the standardwebhooks package accepts;
// exit 0, and 2 for bad usage.
import { PassThrough } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(argv, { stdout, stderr, env: {}, stopSignal: new Promise(() => undefined) });
  return { code, stdout: out, stderr: err };
}

describe('punchthrough secret', () => {
  it('prints a new whsec_ secret of 32 random bytes, different each time, usable by standardwebhooks', async () => {
    const first = await run(['secret']);
    const second = await run(['secret']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(first.stdout.trim().slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(second.stdout).not.toBe(first.stdout);
    const webhook = new Webhook(first.stdout.trim());
    const signature = webhook.sign('evt_1', new Date(), '{}');
    expect(webhook.verify('{}', { 'webhook-id': 'evt_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': signature })).toEqual({});
  });

  it('shows its help with --help (exit 0) and is listed in the top-level help', async () => {
    const help = await run(['secret', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: punchthrough secret/);
    expect((await run(['--help'])).stdout).toMatch(/secret\s+print a new whsec_ signing secret/);
  });

  it('exits 2 with usage for an unknown flag or an argument', async () => {
    for (const argv of [['secret', '--bytes', '8'], ['secret', 'extra']]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/Usage: punchthrough secret/);
    }
  });
});
