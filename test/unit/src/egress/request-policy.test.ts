// The checks before any DNS or socket: URL scheme, userinfo and host forms (as Node's URL
// normalises them), restricted and malformed headers, signing inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHeaders, checkSigning, checkUrl, customHeadersProblem, isClientHeader, isRestrictedHeader } from '../../../../src/egress/request-policy.js';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

describe('checkUrl', () => {
  it('accepts https and names the origin with its port', () => {
    const checked = checkUrl('https://auth.example.com/login?x=1', false);
    expect(checked.ok && checked.value.origin).toBe('https://auth.example.com:443');
    expect(checked.ok && checked.value.ip).toBeUndefined();
  });

  it('refuses http: unless allowInsecureHttp, and every other scheme always', () => {
    expect(checkUrl('http://auth.example.com/', false)).toMatchObject({ ok: false, reason: 'scheme' });
    expect(checkUrl('http://auth.example.com/', true).ok).toBe(true);
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'data:text/plain,x', 'ws://example.com/']) {
      expect(checkUrl(url, true), url).toMatchObject({ ok: false, reason: 'scheme' });
    }
  });

  it('refuses userinfo, relative URLs, non-strings and overlong URLs', () => {
    expect(checkUrl('https://user:pass@example.com/', false)).toMatchObject({ ok: false, reason: 'userinfo' });
    expect(checkUrl('https://example.com@127.0.0.1/', false)).toMatchObject({ ok: false, reason: 'userinfo' });
    expect(checkUrl('/relative', false)).toMatchObject({ ok: false, reason: 'url' });
    expect(checkUrl(42, false)).toMatchObject({ ok: false, reason: 'url' });
    expect(checkUrl(`https://example.com/${'a'.repeat(3000)}`, false)).toMatchObject({ ok: false, reason: 'url' });
  });

  it.each([
    ['https://[::1]:8443/', '::1'],
    ['https://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['https://2130706433/', '127.0.0.1'],
    ['https://0x7f.1/', '127.0.0.1'],
    ['https://127.1/', '127.0.0.1'],
    ['https://017700000001/', '127.0.0.1'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254'],
  ])('%s is the IP literal %s after Node normalises it', (url, ip) => {
    const checked = checkUrl(url, false);
    expect(checked.ok && checked.value.ip).toBe(ip);
  });
});

describe('checkUrl on hostile input (property)', () => {
  it('never throws, and what it accepts is http(s) without userinfo and with a host', () => {
    const urlish = fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.webUrl().map((url) => url.replace('://', '://u:p@')));
    fc.assert(
      fc.property(urlish, fc.boolean(), (text, insecure) => {
        const checked = checkUrl(text, insecure);
        if (!checked.ok) return;
        const { url, host, port, origin } = checked.value;
        expect(insecure ? ['http:', 'https:'] : ['https:']).toContain(url.protocol);
        expect(url.username + url.password).toBe('');
        expect(host.length).toBeGreaterThan(0);
        expect(port).toBeGreaterThan(0);
        expect(origin).toBe(`${url.protocol}//${url.hostname}:${port}`);
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkHeaders', () => {
  it('lower-cases names and keeps values', () => {
    expect(checkHeaders({ 'X-Api-Key': 'abc', Authorization: 'Bearer t' })).toEqual({ ok: true, value: { 'x-api-key': 'abc', authorization: 'Bearer t' } });
  });

  it.each(['Host', 'content-length', 'connection', 'transfer-encoding', 'webhook-signature', 'Webhook-Id', 'x-punchthrough-node', 'user-agent', 'upgrade', 'expect'])(
    'refuses the client-owned header %s in any request',
    (name) => {
      expect(isClientHeader(name)).toBe(true);
      expect(isRestrictedHeader(name)).toBe(true);
      expect(checkHeaders({ [name]: 'x' })).toMatchObject({ ok: false, reason: 'header' });
    },
  );

  it('lets the product set content-type and its own x-punchthrough-* headers, which operators may not configure', () => {
    const product = { 'content-type': 'application/json', 'x-punchthrough-event': 'rpc', 'idempotency-key': 'rpc_1' };
    expect(checkHeaders(product)).toEqual({ ok: true, value: product });
    for (const name of ['Content-Type', 'x-punchthrough-event', 'X-Punchthrough-Session']) {
      expect(isClientHeader(name)).toBe(false);
      expect(isRestrictedHeader(name)).toBe(true);
    }
  });

  it('checks operator custom headers without echoing a value', () => {
    expect(customHeadersProblem({ 'X-Api-Key': 'k', Authorization: 'Bearer t' })).toBeUndefined();
    expect(customHeadersProblem({ 'x-punchthrough-event': 'forged' })).toMatch(/x-punchthrough-event/);
    expect(customHeadersProblem({ 'Content-Type': 'text/plain' })).toMatch(/content-type/);
    expect(customHeadersProblem({ 'x-a': 'secret\r\nhost: evil' })).not.toContain('secret');
    expect(customHeadersProblem(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-${i}`, 'v'])))).toMatch(/at most 16/);
    expect(customHeadersProblem('x')).toBeDefined();
  });

  it('refuses header injection, bad names, non-string values, too many and too long', () => {
    expect(checkHeaders({ 'x-a': 'ok\r\nhost: evil' })).toMatchObject({ ok: false, reason: 'header' });
    expect(checkHeaders({ 'x a': 'v' })).toMatchObject({ ok: false, reason: 'header' });
    expect(checkHeaders({ 'x-a': 1 })).toMatchObject({ ok: false, reason: 'header' });
    expect(checkHeaders({ 'x-a': 'é' })).toMatchObject({ ok: false, reason: 'header' });
    expect(checkHeaders(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-${i}`, 'v'])))).toMatchObject({ ok: false, reason: 'header' });
    expect(checkHeaders({ 'x-a': 'v'.repeat(1025) })).toMatchObject({ ok: false, reason: 'header' });
    expect(checkHeaders(['x'])).toMatchObject({ ok: false, reason: 'header' });
  });
});

describe('checkSigning', () => {
  it('decodes whsec_ secrets', () => {
    const checked = checkSigning({ id: 'evt_1', secrets: [SECRET] });
    expect(checked.ok && checked.value?.keys[0]).toEqual(new Uint8Array(32).fill(1));
  });

  it('refuses bad ids and bad secrets without echoing them', () => {
    expect(checkSigning({ id: 'a.b c', secrets: [SECRET] })).toMatchObject({ ok: false, reason: 'secret' });
    expect(checkSigning({ id: 'evt', secrets: [] })).toMatchObject({ ok: false, reason: 'secret' });
    const bad = checkSigning({ id: 'evt', secrets: [SECRET, 'hunter2-not-a-secret'] });
    expect(bad).toMatchObject({ ok: false, reason: 'secret' });
    expect(JSON.stringify(bad)).not.toContain('hunter2');
  });
});
