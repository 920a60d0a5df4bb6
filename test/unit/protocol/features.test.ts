// Hello's features: a peer gets an error code newer than the first release only when it said it understands it.
import { describe, expect, it } from 'vitest';
import { Feature, RequestType, codeForPeer, validateRequest } from '../../../src/protocol/index.js';

describe('protocol features', () => {
  it('a first-release code goes to every peer as it is', () => {
    expect(codeForPeer('SESSION_FULL', 'full', undefined)).toEqual({ code: 'SESSION_FULL', message: 'full' });
    expect(codeForPeer('SESSION_FULL', 'full', new Set())).toEqual({ code: 'SESSION_FULL', message: 'full' });
  });

  it('a newer code reaches a peer without codes-v2 as INVALID_REQUEST naming it', () => {
    expect(codeForPeer('AUTH_REQUIRED', 'send credentials', new Set())).toEqual({ code: 'INVALID_REQUEST', message: 'AUTH_REQUIRED: send credentials' });
    expect(codeForPeer('AUTH_REQUIRED', 'send credentials', new Set([Feature.CODES_V2]))).toEqual({ code: 'AUTH_REQUIRED', message: 'send credentials' });
  });

  it('hello accepts a bounded list of feature names, unknown ones included', () => {
    const hello = { type: RequestType.HELLO, id: 1, appId: 'a', appVersion: '1', protocolVersion: 1 };
    expect(validateRequest({ ...hello, features: ['codes-v2', 'from-the-future'] }).ok).toBe(true);
    expect(validateRequest({ ...hello, features: ['Bad Name'] }).ok).toBe(false);
    expect(validateRequest({ ...hello, features: Array.from({ length: 17 }, () => 'x') }).ok).toBe(false);
    expect(validateRequest({ ...hello, features: 'codes-v2' }).ok).toBe(false);
  });
});
