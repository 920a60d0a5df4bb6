// The relay client the SDK uses: binds over a shared socket, then sends and receives through the relay.
export {
  createRelayClient,
  type RelayClient,
  type RelayClientOptions,
  type RelayClientState,
  type RelayErrorHandler,
  type RelayMessageHandler,
} from './relay-client.js';
