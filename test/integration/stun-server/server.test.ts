import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discoverNatBehavior, stunBinding } from '../../../client-sdk/index.js';
import { createNodeUdpSocketFactory, type UdpEndpoint, type UdpSocket } from '../../../core/index.js';
import {
  createStunServer,
  decodeStunMessage,
  encodeStunMessage,
  type StunMessage,
  type StunServer,
} from '../../../stun-server/index.js';
import { ipv6LoopbackAvailable, until } from '../../support/loopback.js';

const factory = createNodeUdpSocketFactory();
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function server(options: Parameters<typeof createStunServer>[0]): Promise<StunServer> {
  const created = await createStunServer(options);
  cleanup.push(() => created.close());
  return created;
}

async function socket(type: 'udp4' | 'udp6' = 'udp4', address = type === 'udp4' ? '127.0.0.1' : '::1'): Promise<UdpSocket> {
  const bound = await factory.bind({ type, address });
  cleanup.push(() => bound.close());
  return bound;
}

/** Sends `bytes` and resolves with the first datagram back (with where it came from). */
function exchange(client: UdpSocket, bytes: Uint8Array, to: UdpEndpoint): Promise<{ message: StunMessage; from: UdpEndpoint }> {
  return new Promise((resolve, reject) => {
    const off = client.onMessage((data, from) => {
      off();
      const decoded = decodeStunMessage(data);
      if (decoded.ok) resolve({ message: decoded.value, from });
      else reject(new Error(decoded.error.message));
    });
    client.send(bytes, to.port, to.address);
  });
}

const tid = (fill: number): Uint8Array => new Uint8Array(12).fill(fill);
const request = (attributes: Parameters<typeof encodeStunMessage>[0]['attributes'] = [], cookie?: number) =>
  encodeStunMessage({ class: 'request', method: 1, transactionId: tid(3), attributes, ...(cookie ? { cookie } : {}) });

let ipv6 = false;
beforeAll(async () => {
  ipv6 = await ipv6LoopbackAvailable();
});

describe('STUN server on loopback', () => {
  it('answers a Binding request over IPv4 with XOR-MAPPED-ADDRESS, SOFTWARE and FINGERPRINT', async () => {
    const stun = await server({ ipv4: { host: '127.0.0.1', port: 0 } });
    const client = await socket();
    const result = await stunBinding(client, stun.address()!);
    expect(result).toMatchObject({ family: 'IPv4', address: '127.0.0.1', port: client.address().port });
    const { message } = await exchange(client, request(), stun.address()!);
    expect(message.attributes.map((a) => a.name)).toEqual(['XOR-MAPPED-ADDRESS', 'SOFTWARE', 'FINGERPRINT']);
    // Two or more: under CPU contention the client may retransmit before the answer arrives.
    const stats = stun.stats();
    expect(stats.received).toBeGreaterThanOrEqual(2);
    expect(stats).toMatchObject({ requests: stats.received, successResponses: stats.received, errorResponses: 0 });
  });

  it('answers over IPv6', async (context) => {
    if (!ipv6) context.skip('::1 is not available on this host (no IPv6 loopback)');
    const stun = await server({ ipv4: false, ipv6: { host: '::1', port: 0 } });
    const client = await socket('udp6');
    const result = await stunBinding(client, stun.address('IPv6')!);
    expect(result).toMatchObject({ family: 'IPv6', address: '::1', port: client.address().port });
  });

  it('answers an RFC 3489 request (no magic cookie) with MAPPED-ADDRESS, echoing the 128-bit id', async () => {
    const stun = await server({ ipv4: { host: '127.0.0.1', port: 0 } });
    const client = await socket();
    const { message } = await exchange(client, request([], 0x01020304), stun.address()!);
    expect(message).toMatchObject({ class: 'success', cookie: 0x01020304, hasMagicCookie: false });
    expect(Buffer.from(message.transactionId)).toEqual(Buffer.from(tid(3)));
    expect(message.attributes[0]).toMatchObject({
      name: 'MAPPED-ADDRESS',
      address: { address: '127.0.0.1', port: client.address().port },
    });
    expect(message.attributes.some((a) => a.name === 'XOR-MAPPED-ADDRESS')).toBe(false);
  });

  it('answers 420 with UNKNOWN-ATTRIBUTES for unknown comprehension-required attributes', async () => {
    const stun = await server({ ipv4: { host: '127.0.0.1', port: 0 } });
    const client = await socket();
    const bytes = request([
      { name: 'UNKNOWN', type: 0x7e01, value: new Uint8Array(4) },
      { name: 'UNKNOWN', type: 0xfe01, value: new Uint8Array(4) }, // optional: ignored
    ]);
    const { message } = await exchange(client, bytes, stun.address()!);
    expect(message.class).toBe('error');
    expect(message.attributes).toMatchObject([
      { name: 'ERROR-CODE', code: 420 },
      { name: 'UNKNOWN-ATTRIBUTES', types: [0x7e01] },
      { name: 'SOFTWARE' },
      { name: 'FINGERPRINT' },
    ]);
  });

  it('answers 400 to a malformed request, and 420 to CHANGE-REQUEST without an alternate', async () => {
    const stun = await server({ ipv4: { host: '127.0.0.1', port: 0 } });
    const client = await socket();
    const malformed = Buffer.from(request([{ name: 'SOFTWARE', value: 'abcd' }]));
    malformed.writeUInt16BE(200, 22); // SOFTWARE length overruns the message
    const bad = await exchange(client, malformed, stun.address()!);
    expect(bad.message).toMatchObject({ class: 'error', attributes: [{ name: 'ERROR-CODE', code: 400 }, {}, {}] });
    const change = await exchange(client, request([{ name: 'CHANGE-REQUEST', changeIp: false, changePort: true }]), stun.address()!);
    expect(change.message.attributes).toMatchObject([{ code: 420 }, { types: [0x0003] }, {}, {}]);
    expect(stun.stats()).toMatchObject({ requests: 2, errorResponses: 2 });
  });

  it('RFC 5780: OTHER-ADDRESS and RESPONSE-ORIGIN; CHANGE-REQUEST answered from the changed address and port', async () => {
    const stun = await server({ ipv4: { host: '127.0.0.1', port: 0, alternatePort: 0, alternateHost: '127.0.0.2' } });
    const slots = Object.fromEntries(stun.endpoints().map((e) => [e.role, e]));
    expect(Object.keys(slots).sort()).toEqual(['alternate-address', 'alternate-address-and-port', 'alternate-port', 'primary']);
    const { primary, 'alternate-port': altPort, 'alternate-address-and-port': altBoth } = slots;
    expect(altBoth).toMatchObject({ address: '127.0.0.2', port: altPort!.port });
    const client = await socket();

    const plain = await exchange(client, request(), primary!);
    expect(plain.message.attributes.map((a) => a.name)).toEqual([
      'XOR-MAPPED-ADDRESS',
      'RESPONSE-ORIGIN',
      'OTHER-ADDRESS',
      'SOFTWARE',
      'FINGERPRINT',
    ]);
    expect(plain.message.attributes[1]).toMatchObject({ address: { address: '127.0.0.1', port: primary!.port } });
    expect(plain.message.attributes[2]).toMatchObject({ address: { address: '127.0.0.2', port: altPort!.port } });

    const portChanged = await exchange(client, request([{ name: 'CHANGE-REQUEST', changeIp: false, changePort: true }]), primary!);
    expect(portChanged.from).toMatchObject({ address: '127.0.0.1', port: altPort!.port });
    expect(portChanged.message.attributes[1]).toMatchObject({ name: 'RESPONSE-ORIGIN', address: { port: altPort!.port } });

    const bothChanged = await exchange(client, request([{ name: 'CHANGE-REQUEST', changeIp: true, changePort: true }]), primary!);
    expect(bothChanged.from).toMatchObject({ address: '127.0.0.2', port: altPort!.port });

    // Loopback has no NAT: our client's discovery must say so.
    // A generous RTO: a probe that times out means "filtered", so a stalled CI machine must not time one out.
    const behavior = await discoverNatBehavior(client, primary!, { initialRtoMs: 1_000 });
    expect(behavior).toMatchObject({
      natted: false,
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      natType: 'open-internet',
    });
  });

  it('rate-limits a source IP and counts the drops', async () => {
    const stun = await server({ ipv4: { host: '127.0.0.1', port: 0 }, rateLimit: { ratePerSecond: 0.001, burst: 3 } });
    const client = await socket();
    const answers: number[] = [];
    client.onMessage((data) => answers.push(data.length));
    for (let i = 0; i < 10; i++) client.send(request(), stun.address()!.port, '127.0.0.1');
    await until(() => stun.stats().received === 10);
    expect(stun.stats()).toMatchObject({ successResponses: 3, drops: { 'rate-limited': 7 } });
    await until(() => answers.length === 3);
  });

  it('closes idempotently and frees its ports', async () => {
    const stun = await createStunServer({ ipv4: { host: '127.0.0.1', port: 0, alternatePort: 0 } });
    const [first, second] = stun.endpoints();
    await Promise.all([stun.close(), stun.close()]);
    await stun.close();
    const again = await server({ ipv4: { host: '127.0.0.1', port: first!.port, alternatePort: second!.port } });
    expect(again.address()!.port).toBe(first!.port);
  });
});
