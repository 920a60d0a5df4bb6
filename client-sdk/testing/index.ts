// punchthrough/testing: the virtual NAT network for game developers' integration tests.
export {};
