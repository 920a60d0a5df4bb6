{
  "targets": [
    {
      "target_name": "udp_batch",
      "sources": ["src/binding.c", "src/socket.c"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
