// The relay client the SDK uses: binds over a shared socket, then sends and receives through the relay.
export {
  createRelayClient,
  type RelayClient,
  type RelayClientCommonOptions,
  type RelayClientOptions,
  type RelayClientTransportCarrier,
  type RelayClientUdpCarrier,
  type RelayClientState,
  type RelayErrorHandler,
  type RelayMessageHandler,
} from './relay-client.js';
export { udpRelayTransport, type RelayFrameTransport } from './transport.js';
export { openRelayWebSocket, type RelayWebSocketTransport, type RelayWebSocketTransportOptions } from './ws-transport.js';
