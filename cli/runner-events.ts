// Prints a NetworkRunner's progress and reflexive-address events; shared by `host` and `client`.
import type { NetworkRunner, ProgressEvent } from '../client-sdk/index.js';
import { formatEndpoint, type UdpEndpoint } from '../core/index.js';
import type { Output } from './output.js';

/** Progress and reflexive-address lines, shared by `host` and `client`. */
export function reportProgress(runner: NetworkRunner, out: Output): void {
  runner.on('progress', (progress: ProgressEvent) => {
    out.event(
      {
        event: 'progress',
        flow: progress.flow,
        step: progress.step,
        name: progress.name,
        ms: Math.round(progress.sinceStartMs),
        ...(progress.peerId ? { peer: progress.peerId } : {}),
      },
      `step      ${progress.flow} ${String(progress.step).padStart(2)}  ${progress.name}  (+${Math.round(progress.sinceStartMs)} ms)`,
    );
    const reflexive = progress.step === 10 && progress.flow !== 'connect' ? progress.detail?.reflexive : undefined;
    if (reflexive) {
      const address = formatEndpoint(reflexive as UdpEndpoint);
      out.event({ event: 'reflexive', address }, `reflexive ${address}`);
    }
  });
}
