// The auth token: sealed claims open with any configured key, and nothing else opens —
// tampered, expired, another app's, an unknown key's.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openToken, sealToken, tokenKeyOf, type TokenClaims } from '../../../../src/auth/index.js';
import { PROTOCOL_MAX_AUTH_TOKEN_CHARS } from '../../../../src/protocol/index.js';

const claims = (exp: number): TokenClaims => ({ uid: 'u_1', nick: 'Al', app: 'game', ver: '1', cookie: '{"tier":"gold"}', iat: 1_000, exp, jti: 'j1' });
const key = tokenKeyOf(randomBytes(32));
const other = tokenKeyOf(randomBytes(32));

describe('auth token', () => {
  it('opens with the key that sealed it, among others (rotation), until it expires', () => {
    const token = sealToken(key, claims(10_000), randomBytes(12));
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/);
    expect(openToken([other, key], token, 9_999, 'game', '1')).toEqual(claims(10_000));
    expect(openToken([key], token, 10_000, 'game', '1')).toBeUndefined();
  });

  it('refuses a token of another app, an unknown key, a tampered byte and garbage', () => {
    const token = sealToken(key, claims(10_000), randomBytes(12));
    expect(openToken([key], token, 0, 'other-game', '1')).toBeUndefined();
    expect(openToken([key], token, 0, 'game', '2')).toBeUndefined();
    expect(openToken([other], token, 0, 'game', '1')).toBeUndefined();
    const body = Buffer.from(token.split('.')[2]!, 'base64url');
    body[20] = body[20]! ^ 1;
    expect(openToken([key], `v1.${key.id}.${body.toString('base64url')}`, 0, 'game', '1')).toBeUndefined();
    // The key id is authenticated: the same bytes under another id do not open.
    expect(openToken([{ id: other.id, key: key.key }], `v1.${other.id}.${token.split('.')[2]}`, 0, 'game', '1')).toBeUndefined();
    for (const junk of ['', 'v1', 'v2.x.y', `v1.${key.id}.`, `v1.${key.id}.AAAA`, 'v1.a.b.c']) expect(openToken([key], junk, 0, 'game', '1')).toBeUndefined();
  });

  it('keeps the cookie unreadable: the token does not contain it in any encoding a client could decode', () => {
    const token = sealToken(key, claims(10_000), randomBytes(12));
    const raw = Buffer.from(token.split('.')[2]!, 'base64url').toString('latin1');
    expect(raw).not.toContain('gold');
    expect(token).not.toContain(Buffer.from('gold').toString('base64url').slice(0, 4));
  });

  it('fits the wire cap with the largest cookie, quotes and all (the cookie is sealed as JSON, not as an escaped string)', () => {
    const cookie = JSON.stringify({ q: '"'.repeat(2000) });
    expect(Buffer.byteLength(cookie)).toBeLessThanOrEqual(4096);
    const token = sealToken(key, { ...claims(10_000), uid: 'u'.repeat(128), nick: 'n'.repeat(64), cookie }, randomBytes(12));
    expect(token.length).toBeLessThanOrEqual(PROTOCOL_MAX_AUTH_TOKEN_CHARS);
    expect(openToken([key], token, 0, 'game', '1')?.cookie).toBe(cookie);
  });
});
