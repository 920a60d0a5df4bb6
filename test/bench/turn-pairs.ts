// bench:relay's TURN pairs: both ends of a pair allocate at coturn and bind a channel to the other end's relayed address, so the bench's ping-pong crosses coturn as ChannelData.
import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import { bytesToIp, decodeStunMessage, encodeAddress, encodeStunMessage, MAGIC_COOKIE, type StunAddress, type StunAttribute, type StunAttributeInit } from '../../stun-server/index.js';

/** The channel each end binds to its peer (RFC 8656 §12: 0x4000–0x4FFF); channels are per allocation, so one number serves every pair. */
export const TURN_CHANNEL = 0x4000;
/** ChannelData's header: channel number and length (RFC 8656 §12.4). */
export const CHANNEL_HEADER_BYTES = 4;

// RFC 8656 §18: TURN's methods and attributes (our STUN codec writes and reads them as unknown attributes).
const ALLOCATE = 0x003;
const REFRESH = 0x004;
const CHANNEL_BIND = 0x009;
const CHANNEL_NUMBER = 0x000c;
const LIFETIME = 0x000d;
const XOR_PEER_ADDRESS = 0x0012;
const XOR_RELAYED_ADDRESS = 0x0016;
const REQUESTED_TRANSPORT = 0x0019;
const UDP = 17;
const RETRY_MS = 250;
const ATTEMPTS = 12;
/** coturn frees a deleted allocation a moment later (seen: refused at once, accepted after 1.5 s). */
const RELEASE_SETTLE_MS = 3_000;

const unknown = (type: number, value: Uint8Array): StunAttributeInit => ({ name: 'UNKNOWN', type, value });

/** An IPv4 XOR-…-ADDRESS value back to an address (RFC 8489 §14.2: the XOR undoes itself). */
function xorAddress(value: Uint8Array): StunAddress | undefined {
  if (value.length !== 8 || value[1] !== 0x01) return undefined;
  const ip = Uint8Array.from(value.subarray(4, 8), (byte, i) => byte ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff));
  return { family: 'IPv4', address: bytesToIp(ip, 0, 4), port: ((value[2]! << 8) | value[3]!) ^ (MAGIC_COOKIE >>> 16) };
}

/** One request and its success response's attributes, retried while unanswered; an error response rejects. */
async function transact(socket: dgram.Socket, serverPort: number, method: number, attributes: StunAttributeInit[]): Promise<readonly StunAttribute[]> {
  const transactionId = randomBytes(12);
  const request = encodeStunMessage({ class: 'request', method, transactionId, attributes });
  return new Promise((resolve, reject) => {
    let attempts = 0;
    const send = (): void => {
      if (++attempts > ATTEMPTS) return finish(new Error(`coturn did not answer method 0x${method.toString(16)} after ${ATTEMPTS} attempts`));
      socket.send(request, serverPort, '127.0.0.1');
    };
    const timer = setInterval(send, RETRY_MS);
    const onMessage = (data: Buffer): void => {
      const decoded = decodeStunMessage(data);
      if (!decoded.ok || decoded.value.method !== method || !transactionId.equals(decoded.value.transactionId)) return;
      if (decoded.value.class === 'success') return finish(undefined, decoded.value.attributes);
      const error = decoded.value.attributes.find((attribute) => attribute.name === 'ERROR-CODE');
      finish(new Error(`coturn refused method 0x${method.toString(16)}: ${error?.name === 'ERROR-CODE' ? `${error.code} ${error.reason}` : 'no ERROR-CODE'}`));
    };
    function finish(error: Error | undefined, answer?: readonly StunAttribute[]): void {
      clearInterval(timer);
      socket.off('message', onMessage);
      if (error) reject(error);
      else resolve(answer!);
    }
    socket.on('message', onMessage);
    send();
  });
}

async function allocate(socket: dgram.Socket, serverPort: number): Promise<StunAddress> {
  const answer = await transact(socket, serverPort, ALLOCATE, [unknown(REQUESTED_TRANSPORT, Uint8Array.of(UDP, 0, 0, 0))]);
  const attribute = answer.find(({ type }) => type === XOR_RELAYED_ADDRESS);
  const relayed = attribute?.name === 'UNKNOWN' ? xorAddress(attribute.value) : undefined;
  if (!relayed) throw new Error('coturn allocated without an IPv4 XOR-RELAYED-ADDRESS');
  return relayed;
}

async function bindChannel(socket: dgram.Socket, serverPort: number, peer: StunAddress): Promise<void> {
  // The XOR of an IPv4 address uses the magic cookie only, so no transaction id is needed here.
  await transact(socket, serverPort, CHANNEL_BIND, [unknown(CHANNEL_NUMBER, Uint8Array.of(TURN_CHANNEL >> 8, TURN_CHANNEL & 0xff, 0, 0)), unknown(XOR_PEER_ADDRESS, encodeAddress(peer, new Uint8Array(12)))]);
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
 * (437), so this also waits until coturn has freed them.
 */
export async function releaseTurnPairs(pairs: ReadonlyArray<{ a: dgram.Socket; b: dgram.Socket }>, serverPort: number): Promise<void> {
  await Promise.all(pairs.flatMap(({ a, b }) => [a, b].map((socket) => transact(socket, serverPort, REFRESH, [unknown(LIFETIME, new Uint8Array(4))]))));
  await new Promise((resolve) => setTimeout(resolve, RELEASE_SETTLE_MS));
}
