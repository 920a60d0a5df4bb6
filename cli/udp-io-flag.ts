// The --udp-io flag of the relay and stun commands: which UDP I/O path the server runs on.
import { isUdpIoMode, UDP_IO_ENV, UDP_IO_MODES, type UdpIoMode } from '../udp-native/index.js';
import { UsageError } from './io.js';

export const udpIoUsage = `  --udp-io M     UDP I/O path: auto (default: the batched addon when it is built, else
                 node:dgram), batched (refuse to start without the addon) or dgram;
                 $${UDP_IO_ENV} overrides auto. The ready line and the log say which runs`;

export function udpIoFlag(value: string | undefined): UdpIoMode | undefined {
  if (value === undefined) return undefined;
  if (!isUdpIoMode(value)) throw new UsageError(`--udp-io must be one of ${UDP_IO_MODES.join(', ')}, got "${value}"`);
  return value;
}
