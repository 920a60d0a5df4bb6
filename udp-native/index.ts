// The batched UDP I/O path (recvmmsg/sendmmsg through native/udp-batch) and the choice of path.
export { loadUdpBatchAddon, type UdpBatchAddon, type UdpBatchBinding } from './addon.js';
export {
  createBatchedUdpSocketFactory,
  type BatchedUdpSocket,
  type BatchedUdpSocketFactory,
  type BatchedUdpSocketFactoryOptions,
  type BatchedUdpSocketStats,
} from './batched-socket.js';
export { DEFAULT_MAX_DATAGRAM_BYTES, MAX_COALESCE_MICROS, UDP_IO_ENV, UDP_IO_MODES } from './constants.js';
export { chooseUdpIo, isUdpIoMode, resolveUdpIoMode, type ChooseUdpIoOptions, type UdpIoChoice, type UdpIoMode, type UdpIoPath } from './select.js';
