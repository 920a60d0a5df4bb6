// Crash triage for the fuzz test: replays the connections a dead cloud dropped, frame by frame,
// on a fresh cloud, to name the one frame that kills it.
import WebSocket from 'ws';
import type { SpawnedCli } from '../cli.js';
import { hexPreview } from './random.js';
import type { ConnectionRecord } from './signaling-sender.js';

export interface FreshCloud {
  signaling: string;
  process: SpawnedCli;
}

function frameSettled(ws: WebSocket, timeoutMs: number): Promise<'pong' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const finish = (outcome: 'pong' | 'closed' | 'timeout'): void => {
      clearTimeout(timer);
      ws.off('pong', onPong);
      ws.off('close', onClose);
      resolve(outcome);
    };
    const onPong = (): void => finish('pong');
    const onClose = (): void => finish('closed');
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    ws.on('pong', onPong);
    ws.on('close', onClose);
    // The server reads frames in order: its pong comes after it handled the frame before it.
    ws.ping();
  });
}

/**
 * Replays each record on `fresh()` clouds until one dies; returns a description of the frame
 * that killed it (with the frames before it on its connection), or why none was found.
 */
export async function findKillerFrame(records: readonly ConnectionRecord[], fresh: () => Promise<FreshCloud>, budgetMs: number): Promise<string> {
  const until = Date.now() + budgetMs;
  const ordered = [...records].sort((a, b) => (b.lastSentAt ?? 0) - (a.lastSentAt ?? 0));
  let cloud: FreshCloud | undefined;
  try {
    for (const record of ordered) {
      if (Date.now() > until) return 'triage: out of time before a frame reproduced the crash';
      cloud ??= await fresh();
      const ws = new WebSocket(cloud.signaling, { perMessageDeflate: false });
      ws.on('error', () => undefined);
      const open = await new Promise<boolean>((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('error', () => resolve(false));
      });
      if (!open) return 'triage: could not connect to the fresh cloud';
      for (const [index, frame] of record.frames.entries()) {
        if (ws.readyState !== WebSocket.OPEN) break;
        ws.send(frame.text ? Buffer.from(frame.bytes).toString('latin1') : frame.bytes, { binary: !frame.text });
        const outcome = await frameSettled(ws, 2_000);
        // A crash shows as a dropped connection; give the process a moment to be seen exiting.
        if (outcome !== 'pong') await Promise.race([cloud.process.exited, new Promise((resolve) => setTimeout(resolve, 500))]);
        if (cloud.process.child.exitCode !== null || cloud.process.child.signalCode !== null) {
          const before = record.frames.slice(0, index).map((f) => f.kind);
          const stack = cloud.process.stderr().split('\n').filter((line) => line.trim() !== '').slice(0, 12).join('\n      ');
          cloud = undefined;
          return [
            `triage: replaying worker ${record.worker} connection ${record.connection} alone on a fresh cloud, frame #${index + 1} killed it:`,
            `    kind: ${frame.kind}${frame.text ? ' (text frame)' : ''}`,
            `    bytes: ${hexPreview(frame.bytes, 2_048)}`,
            `    after ${index} frame(s) on the same connection: ${before.slice(-6).join(' | ') || '(none)'}`,
            `    cloud stderr:\n      ${stack}`,
          ].join('\n');
        }
      }
      ws.terminate();
    }
    return `triage: none of the ${ordered.length} dropped connections reproduces the crash alone (it may need several connections)`;
  } finally {
    await cloud?.process.stop();
  }
}
