// Child process of key-schedule-gc.test.ts: ephemeral X25519 keys generated in a tight loop, so garbage collections land inside node:crypto calls, with a handshake between the last two now and then; prints "done" when every round finished.
import { generateEphemeral, sessionKeys, type EphemeralKeyPair } from '../../client-sdk/peer/key-schedule.js';

const rounds = Number(process.argv[2]);
const pairSecret = new Uint8Array(32).fill(7);
let previous: EphemeralKeyPair = generateEphemeral();
for (let i = 0; i < rounds; i++) {
  // Little else allocates per round: the more of each collection's trigger falls inside the key
  // calls, the likelier a collection runs within one of them.
  const next = generateEphemeral();
  if (i % 1_000 === 0) {
    const input = { pairSecret, clientPublic: previous.publicKey, serverPublic: next.publicKey, clientActor: 1, serverActor: 2 };
    const a = sessionKeys({ ...input, own: previous, peerPublic: next.publicKey });
    const b = sessionKeys({ ...input, own: next, peerPublic: previous.publicKey });
    if (!a || !b || !a.clientToServer.equals(b.clientToServer)) throw new Error(`round ${i}: the two ends derived different keys`);
  }
  previous = next;
}
process.stdout.write('done\n');
