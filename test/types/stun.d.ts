// The parts of the untyped npm `stun` package (2.1.0) that the interop tests and the benchmark use.
declare module 'stun' {
  import type { Socket } from 'node:dgram';
  import type { EventEmitter } from 'node:events';

  interface StunAddress {
    address: string;
    port: number;
    family: 'IPv4' | 'IPv6';
  }
  interface StunAttribute {
    readonly type: number;
    readonly value: unknown;
  }
  interface StunMessage extends Iterable<StunAttribute> {
    readonly type: number;
    readonly transactionId: Buffer;
    getXorAddress(): StunAddress | undefined;
    getAddress(): StunAddress | undefined;
    getSoftware(): string | undefined;
    getAttribute(type: number): StunAttribute | undefined;
    addXorAddress(address: string, port: number): unknown;
    addAddress(address: string, port: number): unknown;
    addSoftware(software: string): unknown;
    addUsername(username: string): unknown;
    addRealm(realm: string): unknown;
    addNonce(nonce: string): unknown;
    addError(code: number, reason: string): unknown;
    addUnknownAttributes(types: number[]): unknown;
    addPriority(priority: number): unknown;
    addMessageIntegrity(key: string): unknown;
    addFingerprint(): unknown;
    toBuffer(): Buffer;
  }
  interface StunServer extends EventEmitter {
    send(message: StunMessage, port: number, address: string, callback?: () => void): void;
    listen(port: number, address: string, callback?: () => void): void;
    close(): void;
  }
  interface RequestOptions {
    socket?: Socket;
    server?: StunServer;
    timeout?: number;
    retries?: number;
  }
  const stun: {
    createMessage(type: number, transactionId?: Buffer): StunMessage;
    createServer(options: { type: 'udp4' | 'udp6'; socket?: Socket }): StunServer;
    request(url: string, options?: RequestOptions): Promise<StunMessage>;
    decode(bytes: Buffer): StunMessage;
    encode(message: StunMessage): Buffer;
    constants: Record<string, number> & Record<`STUN_EVENT_${string}`, string>;
  };
  export default stun;
}
