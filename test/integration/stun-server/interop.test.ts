import { spawn } from 'node:child_process';
import stun from 'stun';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverNatBehavior, stunBinding } from '../../../client-sdk/index.js';
import { createNodeUdpSocketFactory, type UdpEndpoint, type UdpSocketFactory } from '../../../core/index.js';
import {
  createStunServer,
  decodeStunMessage,
  verifyMessageIntegrity,
  type StunMessage,
  type StunServer,
} from '../../../stun-server/index.js';
import { COTURN_MISSING, coturnAvailable, freeUdpPort, startTurnserver } from '../../support/coturn.js';

const factory = createNodeUdpSocketFactory();
const open: Array<{ close?(): Promise<void>; stop?(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await (item.close ?? item.stop)!.call(item);
});
const hasCoturn = coturnAvailable();

/** Our server, recording the source endpoint of every datagram it receives. */
async function recordingServer(options: Parameters<typeof createStunServer>[0] = {}): Promise<{ server: StunServer; sources: UdpEndpoint[] }> {
  const sources: UdpEndpoint[] = [];
  const recording: UdpSocketFactory = {
    async bind(bindOptions) {
      const socket = await factory.bind(bindOptions);
      socket.onMessage((_data, from) => sources.push(from));
      return socket;
    },
  };
  const server = await createStunServer({ ipv4: { host: '127.0.0.1', port: 0 }, socketFactory: recording, ...options });
  open.push(server);
  return { server, sources };
}

describe('interop with the npm stun package', () => {
  it("its client gets the right XOR-MAPPED-ADDRESS from our server", async () => {
    const { server, sources } = await recordingServer();
    const response = await stun.request(`127.0.0.1:${server.address()!.port}`, { timeout: 500, retries: 6 });
    const mapped = response.getXorAddress();
    expect(mapped).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(sources.map((s) => s.port)).toContain(mapped!.port);
    expect(response.getSoftware()).toBe('punchthrough');
  });

  it('messages its encoder builds decode correctly with our codec, integrity and fingerprint included', () => {
    const { constants } = stun;
    const success = stun.createMessage(constants.STUN_BINDING_RESPONSE!);
    success.addXorAddress('203.0.113.9', 61000);
    success.addAddress('2001:db8::7', 3478);
    success.addSoftware('interop ✓');
    success.addPriority(0x6e0001ff);
    success.addMessageIntegrity('secret');
    success.addFingerprint();
    const decoded = decode(success.toBuffer());
    expect(decoded).toMatchObject({ class: 'success', method: 1, hasMagicCookie: true });
    expect(Buffer.from(decoded.transactionId)).toEqual(success.transactionId);
    expect(decoded.attributes).toMatchObject([
      { name: 'XOR-MAPPED-ADDRESS', address: { family: 'IPv4', address: '203.0.113.9', port: 61000 } },
      { name: 'MAPPED-ADDRESS', address: { family: 'IPv6', address: '2001:db8::7', port: 3478 } },
      { name: 'SOFTWARE', value: 'interop ✓' },
      { name: 'UNKNOWN', type: 0x0024 }, // PRIORITY (ICE)
      { name: 'MESSAGE-INTEGRITY' },
      { name: 'FINGERPRINT' },
    ]);
    expect(verifyMessageIntegrity(decoded, Buffer.from('secret')).ok).toBe(true);

    const error = stun.createMessage(constants.STUN_BINDING_ERROR_RESPONSE!);
    error.addError(420, 'Unknown Attribute');
    error.addUnknownAttributes([0x0003, 0x7f00]);
    error.addFingerprint();
    expect(decode(error.toBuffer())).toMatchObject({
      class: 'error',
      attributes: [
        { name: 'ERROR-CODE', code: 420, reason: 'Unknown Attribute' },
        { name: 'UNKNOWN-ATTRIBUTES', types: [0x0003, 0x7f00] },
        { name: 'FINGERPRINT' },
      ],
    });
  });
});

function decode(bytes: Uint8Array): StunMessage {
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe.skipIf(!hasCoturn)(`interop with coturn${hasCoturn ? '' : ` (skipped: ${COTURN_MISSING})`}`, () => {
  it('turnutils_stunclient gets the right reflexive address from our server, RFC 5780 included', async () => {
    const { server, sources } = await recordingServer({
      ipv4: { host: '127.0.0.1', port: 0, alternatePort: 0, alternateHost: '127.0.0.2' },
    });
    const primary = server.address()!;
    const output = await runStunclient(['-f', '-L', '127.0.0.1', '-p', String(primary.port), '127.0.0.1']);
    const reflexive = [...output.matchAll(/UDP reflexive addr: ([\d.]+):(\d+)/g)].map((m) => ({ address: m[1], port: Number(m[2]) }));
    expect(reflexive.length).toBeGreaterThan(0);
    for (const address of reflexive) {
      expect(address.address).toBe('127.0.0.1');
      expect(sources.map((s) => s.port)).toContain(address.port);
    }
    const alternate = server.endpoints().find((e) => e.role === 'alternate-address-and-port')!;
    expect(output).toContain(`Other addr: : 127.0.0.2:${alternate.port}`);
    expect(output).toContain(`Response origin: : 127.0.0.2:${alternate.port}`); // the CHANGE-REQUEST answer
  });

  it('our client gets its address from turnserver, and discovers no NAT through its RFC 5780 service', async () => {
    const hosts = ['127.0.0.1', '127.0.0.2'];
    const port = await freeUdpPort(hosts);
    const turn = await startTurnserver({ hosts, port, altPort: await freeUdpPort(hosts) });
    open.push(turn);
    const socket = await factory.bind({ type: 'udp4', address: '127.0.0.1' });
    open.push(socket);
    const mapped = await stunBinding(socket, { address: '127.0.0.1', port: turn.port });
    expect(mapped).toMatchObject({ family: 'IPv4', address: '127.0.0.1', port: socket.address().port });
    const behavior = await discoverNatBehavior(socket, { address: '127.0.0.1', port: turn.port }, { initialRtoMs: 1_000 });
    expect(behavior).toMatchObject({ natted: false, mapping: 'endpoint-independent', filtering: 'endpoint-independent' });
  });
});

/** Runs turnutils_stunclient until it exits (it retries forever against a silent server, so it is bounded). */
function runStunclient(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('turnutils_stunclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (code === 0) resolve(output);
      else reject(new Error(`turnutils_stunclient exited ${code}:\n${output}`));
    });
  });
}
