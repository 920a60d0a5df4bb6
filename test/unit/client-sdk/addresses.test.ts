import { describe, expect, it } from 'vitest';
import { localCandidates } from '../../../client-sdk/addresses.js';
import { signalingUrl } from '../../../client-sdk/signaling.js';

const v4 = (address: string, port: number) => ({ address, port, family: 'IPv4' as const });
const v6 = (address: string, port: number) => ({ address, port, family: 'IPv6' as const });

describe('local candidates (creation and joining step 8)', () => {
  it('uses the bound address when the socket is bound to one', () => {
    expect(localCandidates({ v4: v4('127.0.0.1', 4000) }, false, undefined)).toEqual([v4('127.0.0.1', 4000)]);
  });

  it('pairs injected hosts with the port of the socket of their family, and drops families without a socket', () => {
    const sockets = { v4: v4('0.0.0.0', 4000), v6: v6('::', 4001) };
    expect(localCandidates(sockets, true, () => ['10.0.0.2', 'fd00::2', '10.0.0.2'])).toEqual([v4('10.0.0.2', 4000), v6('fd00::2', 4001)]);
    expect(localCandidates({ v4: v4('0.0.0.0', 4000) }, false, () => ['10.0.0.2', 'fd00::2'])).toEqual([v4('10.0.0.2', 4000)]);
  });

  it('falls back to the machine\'s non-internal interfaces for a wildcard socket', () => {
    for (const candidate of localCandidates({ v4: v4('0.0.0.0', 4000) }, false, undefined)) {
      expect(candidate.family).toBe('IPv4');
      expect(candidate.address).not.toBe('127.0.0.1');
      expect(candidate.port).toBe(4000);
    }
  });
});

describe('signaling URL', () => {
  it('turns the cloud URL into the signaling WebSocket URL', () => {
    expect(signalingUrl('http://127.0.0.1:7070')).toBe('ws://127.0.0.1:7070/v1/signaling');
    expect(signalingUrl('https://cloud.example.com')).toBe('wss://cloud.example.com/v1/signaling');
    expect(signalingUrl('ws://127.0.0.1:7070/custom')).toBe('ws://127.0.0.1:7070/custom');
    expect(() => signalingUrl('ftp://x')).toThrow(expect.objectContaining({ code: 'CLOUD_UNREACHABLE' }));
  });
});
