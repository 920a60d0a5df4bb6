// punchthrough/relay: the relay's UDP protocol and server.
export {};
