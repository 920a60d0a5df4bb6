// WebRPC paths: the grammar, Photon's URL layout, and no client input ever leaving the base URL.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandUrlTags, parseRpcPath, rpcTarget } from '../../../src/rpc/path.js';

const BASE = 'https://api.example.com/game/v1?key=abc';

const target = (path: string) => {
  const parsed = parseRpcPath(path);
  return parsed.ok ? rpcTarget(BASE, parsed)?.href : undefined;
};

describe('WebRPC paths', () => {
  it("builds Photon's URL: base path, then the path, its query before the base URL's", () => {
    expect(target('GetGameList')).toBe('https://api.example.com/game/v1/GetGameList?key=abc');
    expect(target('shop/buy.item?sku=7&n=2')).toBe('https://api.example.com/game/v1/shop/buy.item?sku=7&n=2&key=abc');
  });

  it.each([
    '../admin',
    '%2e%2e/admin',
    'a/%2e%2e/b',
    '//evil.com',
    'http://evil.com',
    'https:evil.com',
    'a@evil.com',
    'a\\b',
    'a/../b',
    'a/./b',
    'a//b',
    '/a',
    'a/',
    '',
    '.',
    'a b',
    'a?b=<script>',
    'a?%zz',
    'a#frag',
    'x'.repeat(129),
    `a?${'q'.repeat(513)}`,
  ])('refuses %j', (path) => {
    expect(parseRpcPath(path).ok).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 1, ['a'], { toString: () => 'a' }]) expect(parseRpcPath(value).ok).toBe(false);
  });

  it('every accepted path of any string resolves under the base URL', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.webPath(), fc.webUrl(), fc.stringMatching(/^[A-Za-z0-9_./%?=&@:\\-]{0,64}$/)), (path) => {
        const parsed = parseRpcPath(path);
        if (!parsed.ok) return;
        const url = rpcTarget(BASE, parsed);
        expect(url?.origin).toBe('https://api.example.com');
        expect(url?.pathname.startsWith('/game/v1/')).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  }, 30_000);

  it('encodes URL tags', () => {
    expect(expandUrlTags('https://x.test/{AppId}/{AppVersion}/{Region}/{Cloud}', { AppId: 'my game', AppVersion: '1.0/../x', Region: 'eu' })).toBe(
      'https://x.test/my%20game/1.0%2F..%2Fx/eu/{Cloud}',
    );
  });
});
