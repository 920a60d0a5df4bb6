/**
 * A bare UDP peer for the real-kernel NAT tests, run inside a namespace with
 * `node --import tsx test/support/kernel-peer.ts`. Prints one JSON object per line.
 *
 *   echo <port> <port2>        answer every datagram with the sender's `address:port` (a STUN stand-in)
 *   peer <echoAddress> <port> <port2>
 *                              learn the reflexive address from both echo ports, then read the
 *                              other peer's `{address, port, delayMs?, primeTtl?}` from stdin and
 *                              punch towards it: after `delayMs`, and after one TTL-`primeTtl`
 *                              prime and 500 ms when `primeTtl` is given (paths.md §2 #30)
 *   watch <echoAddress> <port>  ask the echo server every 100 ms from one socket, printing each
 *                              new reflexive address (a NAT rebinding shows as a new one)
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const print = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

async function echo(ports: number[]): Promise<void> {
  for (const port of ports) {
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => undefined);
    socket.on('message', (_data, from) => socket.send(`${from.address}:${from.port}`, from.port, from.address));
    socket.bind(port);
    await once(socket, 'listening');
  }
  print({ event: 'listening', ports });
}

async function peer(echoAddress: string, ports: number[]): Promise<void> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => undefined);
  socket.bind(0);
  await once(socket, 'listening');
  const reflexive: string[] = [];
  for (const port of ports) {
    const answer = new Promise<string>((resolve) => {
      const onMessage = (data: Buffer): void => {
        socket.off('message', onMessage);
        resolve(data.toString());
      };
      socket.on('message', onMessage);
    });
    const retry = setInterval(() => socket.send('binding', port, echoAddress), 200);
    socket.send('binding', port, echoAddress);
    reflexive.push(await answer);
    clearInterval(retry);
  }
  const [address, port] = reflexive[0]!.split(':');
  print({ event: 'reflexive', address, port: Number(port), all: reflexive });

  const lines = createInterface({ input: process.stdin });
  const [line] = (await once(lines, 'line')) as [string];
  const target = JSON.parse(line) as { address: string; port: number; delayMs?: number; primeTtl?: number };
  let received = 0;
  socket.on('message', (data, from) => {
    if (data.toString() !== 'punch') return;
    received++;
    if (received === 1) print({ event: 'received', from: `${from.address}:${from.port}` });
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  if (target.delayMs) await sleep(target.delayMs);
  if (target.primeTtl) {
    socket.setTTL(target.primeTtl);
    socket.send('prime', target.port, target.address);
    await sleep(50);
    socket.setTTL(64);
    await sleep(450);
  }
  for (let round = 0; round < 20; round++) {
    socket.send('punch', target.port, target.address);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  print({ event: 'done', received });
  socket.close();
  lines.close();
}

async function watch(echoAddress: string, port: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => undefined);
  socket.bind(0);
  await once(socket, 'listening');
  let last = '';
  socket.on('message', (data) => {
    const seen = data.toString();
    if (seen === last) return;
    last = seen;
    const [address, seenPort] = seen.split(':');
    print({ event: 'reflexive', address, port: Number(seenPort) });
  });
  setInterval(() => socket.send('binding', port, echoAddress), 100);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'echo') await echo(args.map(Number));
else if (mode === 'peer') await peer(args[0]!, args.slice(1).map(Number));
else if (mode === 'watch') await watch(args[0]!, Number(args[1]));
else {
  process.stderr.write('usage: kernel-peer.ts echo <port> <port2> | peer <echoAddress> <port> <port2> | watch <echoAddress> <port>\n');
  process.exitCode = 2;
}
