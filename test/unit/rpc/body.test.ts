// WebRPC bodies and answers: Photon's shape with the server's keys winning, and every ResultCode read.
import { describe, expect, it } from 'vitest';
import { parseBoundedJson } from '../../../core/index.js';
import { readRpcAnswer, rpcBody, type AttestedCaller } from '../../../src/rpc/body.js';

const caller: AttestedCaller = { appId: 'my-game', appVersion: '1.4', region: 'eu', userId: 'u_123', nickname: 'Alice' };
const json = (text: string) => parseBoundedJson(new TextEncoder().encode(text), 1 << 16);

describe('WebRPC body', () => {
  it("puts an object's keys at the root, the server's caller keys over a spoofed UserId", () => {
    const body = rpcBody('photon', 'GetGameList', json('{"mode":"ranked","UserId":"admin","__proto__":{"x":1}}') ?? null, caller);
    expect(JSON.stringify(body)).toBe('{"AppId":"my-game","AppVersion":"1.4","Region":"eu","UserId":"u_123","mode":"ranked","__proto__":{"x":1}}');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("writes seed 003's three examples: a map at the root, an array and a string under RpcParams", () => {
    const photon = { appId: '00000000-0000-0000-0000-000000000000', appVersion: 'client-x.y.z', region: 'EU', userId: 'userXYZ' };
    const head = '"AppId":"00000000-0000-0000-0000-000000000000","AppVersion":"client-x.y.z","Region":"EU","UserId":"userXYZ"';
    expect(JSON.stringify(rpcBody('photon', 'method', { key1: 1, key2: 'yx', key3: true }, photon))).toBe(`{${head},"key1":1,"key2":"yx","key3":true}`);
    expect(JSON.stringify(rpcBody('photon', 'method', [0, 'xy', false], photon))).toBe(`{${head},"RpcParams":[0,"xy",false]}`);
    expect(JSON.stringify(rpcBody('photon', 'method', 'test', photon))).toBe(`{${head},"RpcParams":"test"}`);
  });

  it('a client cannot forge the auth cookie', () => {
    expect(rpcBody('photon', 'p', { AuthCookie: 'forged' }, caller)).not.toHaveProperty('AuthCookie');
  });

  it('puts any other params under RpcParams, and the cookie only when given', () => {
    expect(rpcBody('photon', 'p', [1, 2], caller)).toMatchObject({ RpcParams: [1, 2], UserId: 'u_123' });
    expect(rpcBody('photon', 'p', 'text', { ...caller, authCookie: { tier: 'gold' } })).toMatchObject({ RpcParams: 'text', AuthCookie: { tier: 'gold' } });
    expect(rpcBody('photon', 'p', undefined, caller)).not.toHaveProperty('RpcParams');
    expect(rpcBody('photon', 'p', undefined, caller)).not.toHaveProperty('AuthCookie');
  });

  it('writes our envelope in the native format', () => {
    expect(rpcBody('native', 'GetGameList', { mode: 'ranked' }, { ...caller, session: { id: 's', name: 'lobby-1', actor: 3 } })).toEqual({
      type: 'rpc',
      path: 'GetGameList',
      appId: 'my-game',
      appVersion: '1.4',
      region: 'eu',
      userId: 'u_123',
      nickname: 'Alice',
      session: { id: 's', name: 'lobby-1', actor: 3 },
      params: { mode: 'ranked' },
    });
  });
});

describe('WebRPC answer', () => {
  it('reads any integer ResultCode, as a number or a numeric string, PascalCase or camelCase', () => {
    expect(readRpcAnswer(json('{"ResultCode":0,"Message":"ok","Data":{"games":[]}}'))).toEqual({ ok: true, resultCode: 0, message: 'ok', data: { games: [] } });
    expect(readRpcAnswer(json('{"ResultCode":"7"}'))).toEqual({ ok: true, resultCode: 7 });
    expect(readRpcAnswer(json('{"resultCode":3,"data":null}'))).toEqual({ ok: true, resultCode: 3, data: null });
    expect(readRpcAnswer(json(`{"ResultCode":1,"Message":"${'m'.repeat(300)}"}`))).toMatchObject({ message: 'm'.repeat(256) });
  });

  it('refuses an answer without a usable ResultCode', () => {
    for (const text of ['{}', '[]', 'null', '"0"', '{"ResultCode":1.5}', '{"ResultCode":"x"}', '{"ResultCode":"99999999999"}', '{"ResultCode":true}']) {
      expect(readRpcAnswer(json(text)).ok, text).toBe(false);
    }
    expect(readRpcAnswer(undefined).ok).toBe(false);
  });
});
