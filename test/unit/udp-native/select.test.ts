// The choice of UDP I/O path: option, environment override and the addon's absence.
import { describe, expect, it } from 'vitest';
import { chooseUdpIo, resolveUdpIoMode, type UdpIoMode } from '../../../udp-native/index.js';

describe('resolveUdpIoMode', () => {
  it('lets an explicit option win over the environment', () => {
    expect(resolveUdpIoMode('dgram', 'batched')).toBe('dgram');
    expect(resolveUdpIoMode('batched', 'dgram')).toBe('batched');
  });
  it('lets the environment override auto', () => {
    expect(resolveUdpIoMode('auto', 'dgram')).toBe('dgram');
    expect(resolveUdpIoMode(undefined, 'batched')).toBe('batched');
    expect(resolveUdpIoMode(undefined, undefined)).toBe('auto');
    expect(resolveUdpIoMode('auto', '')).toBe('auto');
  });
  it('refuses an unknown environment value', () => {
    expect(() => resolveUdpIoMode('auto', 'fast')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
  it('refuses an unknown option from a JavaScript caller instead of running it as auto', () => {
    expect(() => resolveUdpIoMode('fast' as UdpIoMode, undefined)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('udpIo') }));
  });
});

describe('chooseUdpIo', () => {
  it('gives node:dgram when the environment says dgram', () => {
    expect(chooseUdpIo('auto', { env: { PUNCHTHROUGH_UDP_IO: 'dgram' } }).io).toBe('dgram');
  });
});
