// bench:relay's TURN pairs: both ends of a pair allocate at coturn and bind a channel to the other end's relayed address, so the bench's ping-pong crosses coturn as ChannelData.
import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
/** The channel each end binds to its peer (RFC 8656 §12: 0x4000–0x4FFF); channels are per allocation, so one number serves every pair. */
export const TURN_CHANNEL = 0x4000;
/** ChannelData's header: channel number and length (RFC 8656 §12.4). */
export const CHANNEL_HEADER_BYTES = 4;

const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const CHANNEL_BIND = 0x0009;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const REQUESTED_TRANSPORT = 0x0019;
const XOR_PEER_ADDRESS = 0x0012;
const XOR_RELAYED_ADDRESS = 0x0016;
const CHANNEL_NUMBER = 0x000c;
const ERROR_CODE = 0x0009;
const LIFETIME = 0x000d;
const UDP = 17;
const RETRY_MS = 250;
const ATTEMPTS = 12;
const RELEASE_SETTLE_MS = 3_000;

interface Endpoint {
  address: string;
  port: number;
}

function attribute(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

/** An IPv4 XOR-…-ADDRESS value (RFC 8489 §14.2). */
function xorAddress({ address, port }: Endpoint): Buffer {
  const value = Buffer.alloc(8);
  value[1] = 0x01;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const octets = address.split('.').map(Number);
  value.writeUInt32BE((((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

function readXorAddress(message: Buffer, type: number): Endpoint | undefined {
  for (let at = 20; at + 4 <= message.length; ) {
    const kind = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 2);
    if (kind === type && length >= 8) {
      const raw = message.readUInt32BE(at + 8) ^ MAGIC_COOKIE;
      return { address: [raw >>> 24, (raw >>> 16) & 0xff, (raw >>> 8) & 0xff, raw & 0xff].join('.'), port: message.readUInt16BE(at + 6) ^ (MAGIC_COOKIE >>> 16) };
    }
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return undefined;
}

/** ERROR-CODE's number and reason (RFC 8489 §14.8). */
function errorCode(message: Buffer): string {
  for (let at = 20; at + 8 <= message.length; ) {
    const length = message.readUInt16BE(at + 2);
    if (message.readUInt16BE(at) === ERROR_CODE) return `${message[at + 6]! * 100 + message[at + 7]!} ${message.toString('utf8', at + 8, at + 4 + length)}`;
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return 'no ERROR-CODE';
}

/** One request and its success response, retried while unanswered; an error response rejects. */
async function transact(socket: dgram.Socket, serverPort: number, method: number, attributes: Buffer[]): Promise<Buffer> {
  const body = Buffer.concat(attributes);
  const request = Buffer.alloc(20 + body.length);
  request.writeUInt16BE(method, 0);
  request.writeUInt16BE(body.length, 2);
  request.writeUInt32BE(MAGIC_COOKIE, 4);
  const transaction = randomBytes(12);
  transaction.copy(request, 8);
  body.copy(request, 20);
  return new Promise((resolve, reject) => {
    let attempts = 0;
    const send = (): void => {
      if (++attempts > ATTEMPTS) return finish(new Error(`coturn did not answer 0x${method.toString(16)} after ${ATTEMPTS} attempts`));
      socket.send(request, serverPort, '127.0.0.1');
    };
    const timer = setInterval(send, RETRY_MS);
    const onMessage = (data: Buffer): void => {
      if (data.length < 20 || !data.subarray(8, 20).equals(transaction)) return;
      const type = data.readUInt16BE(0);
      if (type === (method | SUCCESS)) finish(undefined, data);
      else if (type === (method | ERROR)) finish(new Error(`coturn refused 0x${method.toString(16)}: ${errorCode(data)}`));
    };
    function finish(error: Error | undefined, response?: Buffer): void {
      clearInterval(timer);
      socket.off('message', onMessage);
      if (error) reject(error);
      else resolve(response!);
    }
    socket.on('message', onMessage);
    send();
  });
}

async function allocate(socket: dgram.Socket, serverPort: number): Promise<Endpoint> {
  const response = await transact(socket, serverPort, ALLOCATE, [attribute(REQUESTED_TRANSPORT, Buffer.from([UDP, 0, 0, 0]))]);
  const relayed = readXorAddress(response, XOR_RELAYED_ADDRESS);
  if (!relayed) throw new Error('coturn allocated without an XOR-RELAYED-ADDRESS');
  return relayed;
}

async function bindChannel(socket: dgram.Socket, serverPort: number, peer: Endpoint): Promise<void> {
  const channel = Buffer.alloc(4);
  channel.writeUInt16BE(TURN_CHANNEL, 0);
  await transact(socket, serverPort, CHANNEL_BIND, [attribute(CHANNEL_NUMBER, channel), attribute(XOR_PEER_ADDRESS, xorAddress(peer))]);
}

/** Allocates both ends of every pair at coturn and binds each end's channel to the other's relayed address. */
export async function bindTurnPairs(pairs: ReadonlyArray<{ a: dgram.Socket; b: dgram.Socket }>, serverPort: number): Promise<void> {
  await Promise.all(
    pairs.map(async ({ a, b }) => {
      const [relayedA, relayedB] = await Promise.all([allocate(a, serverPort), allocate(b, serverPort)]);
      await Promise.all([bindChannel(a, serverPort, relayedB), bindChannel(b, serverPort, relayedA)]);
    }),
  );
}

/**
 * Deletes every pair's allocations (a Refresh with LIFETIME 0, RFC 8656 §7): the next pair count's
 * sockets may get the same ports, and coturn refuses an Allocate from a 5-tuple that still has one
 * (437). coturn frees a deleted allocation a moment later (seen: refused at once, accepted after
 * 1.5 s), so this waits RELEASE_SETTLE_MS too.
 */
export async function releaseTurnPairs(pairs: ReadonlyArray<{ a: dgram.Socket; b: dgram.Socket }>, serverPort: number): Promise<void> {
  await Promise.all(pairs.flatMap(({ a, b }) => [a, b].map((socket) => transact(socket, serverPort, REFRESH, [attribute(LIFETIME, Buffer.alloc(4))]))));
  await new Promise((resolve) => setTimeout(resolve, RELEASE_SETTLE_MS));
}
