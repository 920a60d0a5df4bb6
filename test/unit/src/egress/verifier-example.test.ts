// The 15-line Node verifier in docs/egress.md, run as published against our signer: a signed
// body passes, a changed body, a wrong secret or an old timestamp fail, and both secrets pass
// during a rotation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret, parseWebhookSecret, signatureHeaders } from '../../../../src/egress/signing.js';

type Verify = (rawBody: Buffer, headers: Record<string, string>, secrets: string[], nowS?: number) => boolean;

const page = readFileSync(new URL('../../../../docs/egress.md', import.meta.url), 'utf8');
const code = /^```js\n([\s\S]*?)```\n/.exec(page.split('<!-- example: egress verifier -->\n')[1] ?? '')?.[1];
const dir = mkdtempSync(join(tmpdir(), 'egress-verifier-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(): Promise<Verify> {
  const file = join(dir, 'verify.mjs');
  writeFileSync(file, code ?? '');
  return ((await import(pathToFileURL(file).href)) as { verifyPunchthrough: Verify }).verifyPunchthrough;
}

let n = 0;
const secret = (): string => generateWebhookSecret((size) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + ++n) & 0xff));

describe('the verifier example in docs/egress.md', () => {
  it('is at most 15 lines', () => {
    expect(code).toBeDefined();
    expect(code!.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
  });

  it('accepts our signature and refuses a changed body, a wrong secret and an old timestamp', async () => {
    const verify = await load();
    const [current, other] = [secret(), secret()];
    const body = Buffer.from('{"UserId":"u1"}');
    const now = 1_763_805_600;
    const headers = signatureHeaders('evt_1', now, body, [parseWebhookSecret(current)!]);
    expect(verify(body, headers, [current], now)).toBe(true);
    expect(verify(Buffer.from('{"UserId":"u2"}'), headers, [current], now)).toBe(false);
    expect(verify(body, headers, [other], now)).toBe(false);
    expect(verify(body, headers, [current], now + 301)).toBe(false);
    expect(verify(body, { ...headers, 'webhook-signature': '' }, [current], now)).toBe(false);
    expect(verify(body, {}, [current], now)).toBe(false);
  });

  it('accepts a call signed during a rotation with either secret, and a GET’s empty body', async () => {
    const verify = await load();
    const [old, next] = [secret(), secret()];
    const now = 1_763_805_600;
    const headers = signatureHeaders('evt_2', now, new Uint8Array(0), [parseWebhookSecret(next)!, parseWebhookSecret(old)!]);
    expect(verify(Buffer.alloc(0), headers, [old], now)).toBe(true);
    expect(verify(Buffer.alloc(0), headers, [next], now)).toBe(true);
    expect(verify(Buffer.alloc(0), headers, [secret()], now)).toBe(false);
  });
});
