// The npm `stun` package's server for the benchmark, in its own process so it never shares an
// event loop with the load generator. Prints {"port":N} once listening; exits on SIGTERM.
import dgram from 'node:dgram';
import { once } from 'node:events';
import stun from 'stun';

const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
const server = stun.createServer({ type: 'udp4', socket });
const { STUN_BINDING_RESPONSE, STUN_EVENT_BINDING_REQUEST } = stun.constants;
// Its server emits 'error' on a malformed datagram; without a listener that kills the process.
server.on('error', () => undefined);
// The same answer ours sends: XOR-MAPPED-ADDRESS, SOFTWARE, FINGERPRINT.
server.on(STUN_EVENT_BINDING_REQUEST!, (request: { transactionId: Buffer }, rinfo: dgram.RemoteInfo) => {
  const response = stun.createMessage(STUN_BINDING_RESPONSE!, request.transactionId);
  response.addXorAddress(rinfo.address, rinfo.port);
  response.addSoftware('stun');
  response.addFingerprint();
  server.send(response, rinfo.port, rinfo.address);
});
socket.bind(0, '127.0.0.1');
await once(socket, 'listening');
process.stdout.write(`${JSON.stringify({ port: socket.address().port })}\n`);
process.once('SIGTERM', () => socket.close(() => process.exit(0)));
