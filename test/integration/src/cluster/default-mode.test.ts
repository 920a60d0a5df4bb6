// The default cloud never loads a Redis client: @redis/client comes in only through cluster
// mode's dynamic import. A child process resolves every import through a hook that refuses
// @redis/*; a cloud starts and stops there, and the same hook does catch the cluster layer.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const hook = `data:text/javascript,${encodeURIComponent(
  'export async function resolve(specifier, context, next) { if (specifier.startsWith("@redis/")) throw new Error("REDIS_CLIENT_LOADED by " + context.parentURL); return next(specifier, context); }',
)}`;

function runWithHook(body: string): { status: number | null; output: string } {
  const script = `
    import { register } from 'node:module';
    register(${JSON.stringify(hook)});
    ${body}
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('default mode', () => {
  it('createCloud without a Redis URL starts and stops without loading @redis/client', () => {
    const { status, output } = runWithHook(`
      const { createCloud } = await import('./dist/src/index.js');
      const cloud = await createCloud({ host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false });
      await cloud.close();
      console.log('CLOUD_OK');
    `);
    expect(output).toContain('CLOUD_OK');
    expect(output).not.toContain('REDIS_CLIENT_LOADED');
    expect(status).toBe(0);
  });

  it('the hook does catch the cluster layer (the check above can fail)', () => {
    const { status, output } = runWithHook(`await import('./dist/src/cluster/index.js');`);
    expect(output).toContain('REDIS_CLIENT_LOADED');
    expect(status).not.toBe(0);
  });
});
