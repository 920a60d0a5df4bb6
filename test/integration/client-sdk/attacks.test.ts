// The measured attacks on the game path, replayed over real loopback sockets against a real host
// and client connected through the real cloud: an attacker that sees both ends' datagrams
// replays them from its own socket and sprays forged packets with the right actor numbers.
import dgram from 'node:dgram';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetworkRunner, type NetworkRunnerOptions, type PeerDisconnectedEvent } from '../../../client-sdk/index.js';
import { HEADER_BYTES, PeerPacketType, readHeader, writeHeader } from '../../../client-sdk/peer/packets.js';
import { startLoopbackCloud, type LoopbackCloud } from '../../support/sdk-cloud.js';
import { tappingSocketFactory, type Tapped } from '../../support/tap-socket.js';

let cloud: LoopbackCloud;
let attacker: dgram.Socket;
const runners: NetworkRunner[] = [];

beforeAll(async () => {
  cloud = await startLoopbackCloud();
  attacker = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => attacker.bind(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await Promise.allSettled(runners.map((r) => r.shutdown()));
  await new Promise<void>((resolve) => attacker.close(() => resolve()));
  await cloud.close();
});

function runner(options: Partial<NetworkRunnerOptions>): NetworkRunner {
  const created = new NetworkRunner({ cloudUrl: cloud.url, appId: 'attack-test', bindAddress: '127.0.0.1', ...options });
  runners.push(created);
  return created;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const typeOf = (bytes: Uint8Array) => {
  const read = readHeader(bytes);
  return read.ok ? read.header.type : -1;
};

function send(bytes: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve) => attacker.send(bytes, port, '127.0.0.1', () => resolve()));
}

it('replayed and forged packets neither hijack the stream, nor disconnect, nor inject: the client gets ≥ 99 % of the echoes', async () => {
  // The client's first CONNECT is captured and never reaches the host (as one sent to a LAN
  // candidate would be); everything else is copied to the attacker as it goes by.
  const hostTap: Tapped[] = [];
  const clientTap: Tapped[] = [];
  let diverted = false;
  const host = runner({
    socketFactory: tappingSocketFactory((sent) => {
      hostTap.push(sent);
      return true;
    }),
  });
  const client = runner({
    socketFactory: tappingSocketFactory((sent) => {
      clientTap.push(sent);
      if (!diverted && typeOf(sent.bytes) === PeerPacketType.CONNECT) {
        diverted = true;
        return false;
      }
      return true;
    }),
  });
  const disconnects: PeerDisconnectedEvent[] = [];
  host.on('peerDisconnected', (e) => disconnects.push(e));
  client.on('peerDisconnected', (e) => disconnects.push(e));
  host.on('message', ({ peerId, data }) => host.send(peerId, data));
  const attackerGot: Uint8Array[] = [];
  attacker.on('message', (bytes) => attackerGot.push(bytes));

  const hosted = await host.startGame({ mode: 'server', sessionName: 'attacked-room' });
  const joined = await client.startGame({ mode: 'client', sessionName: 'attacked-room' });
  expect(joined.server).toMatchObject({ path: 'direct' });
  const hostPort = hosted.local[0]!.port;
  const clientPort = joined.local[0]!.port;
  for (let i = 0; i < 50 && host.connectedPeers().length === 0; i++) await sleep(10);
  expect(host.connectedPeers()).toEqual([joined.peerId]);

  const echoes = new Set<number>();
  client.on('message', ({ data }) => echoes.add(Buffer.from(data).readUInt32BE(0)));
  const TOTAL = 200;
  for (let i = 0; i < TOTAL; i++) {
    if (i % 20 === 0) {
      // Replay everything captured so far from the attacker's own address: the client's packets
      // (including the diverted CONNECT) to the host, the host's (pings, accepts, data) to the client.
      for (const { bytes } of clientTap.splice(0)) await send(bytes, hostPort);
      for (const { bytes } of hostTap.splice(0)) await send(bytes, clientPort);
      // Blind forgeries with the right actor numbers and guessed counters, every type.
      for (let n = 0; n < 200; n++) {
        const type = [PeerPacketType.DISCONNECT, PeerPacketType.KEEPALIVE, PeerPacketType.DATA, PeerPacketType.CONNECT, PeerPacketType.ACCEPT][n % 5]!;
        const forged = Buffer.alloc(HEADER_BYTES + 48, n);
        writeHeader(forged, type, hosted.actor, joined.actor, n);
        await send(forged, clientPort);
        writeHeader(forged, type, joined.actor, hosted.actor, n);
        await send(forged, hostPort);
      }
    }
    const update = Buffer.alloc(8);
    update.writeUInt32BE(i, 0);
    client.send(joined.server!.peerId, update);
    await sleep(2);
  }
  for (let i = 0; i < 100 && echoes.size < TOTAL; i++) await sleep(10);

  expect(echoes.size).toBeGreaterThanOrEqual(Math.ceil(TOTAL * 0.99));
  expect(disconnects).toEqual([]);
  expect(client.connectionType(joined.server!.peerId)).toBe('direct');
  // The attacker got answers to replayed punch packets at most (accepts, probes): never game data.
  expect(attackerGot.filter((bytes) => typeOf(bytes) === PeerPacketType.DATA)).toEqual([]);
  const hostDrops = host.drops;
  const clientDrops = client.drops;
  expect(hostDrops.replay).toBeGreaterThan(0);
  expect(hostDrops.auth).toBeGreaterThan(0);
  expect(clientDrops.replay).toBeGreaterThan(0);
  expect(clientDrops.auth).toBeGreaterThan(0);
});
