/* The batched UDP socket shared by the N-API glue (binding.c) and the system calls (socket.c). */
#ifndef UDP_BATCH_H
#define UDP_BATCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <node_api.h>
#include <uv.h>

/* Datagrams per recvmmsg/sendmmsg call: one JS call per received batch. */
#define UB_BATCH 64
/* recvmmsg calls per readiness wake-up before yielding to the event loop (fairness). */
#define UB_BATCHES_PER_WAKE 16
/* Largest receive slot: every UDP payload fits (65,507 bytes over IPv4, 65,527 over IPv6). */
#define UB_MAX_SLOT 65536
/* The send queue: datagrams and bytes held between flushes; beyond them a send is dropped. */
#define UB_SEND_QUEUE 1024
#define UB_SEND_ARENA (4u * 1024u * 1024u)
/* Meta integers per received datagram handed to JS: length, port, address index. */
#define UB_META 3
/*
 * Receive coalescing (when enabled): a socket woken this many times within this many coalescing
 * windows reads on a timer, once per window, instead of on every readiness; a timed read that
 * finds fewer than UB_COALESCE_MIN_DATAGRAMS goes back to readiness, and for UB_COALESCE_REST_WINDOWS
 * windows will not coalesce again (a single flow gains nothing from waiting).
 */
#define UB_COALESCE_WAKES 10
#define UB_COALESCE_MIN_DATAGRAMS 2
#define UB_COALESCE_REST_WINDOWS 10
/* The longest coalescing window open() accepts, µs. */
#define UB_COALESCE_MAX_US 10000
/* Room for an IPv6 address with a %scope suffix, as text. */
#define UB_ADDR_TEXT 96

typedef union {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} ub_addr;

typedef struct ub_socket {
  napi_env env;
  int fd;
  int family;
  uv_poll_t poll;
  int poll_events;
  int closed;     /* close() ran: the fd is closed, no more calls into JS */
  int handle_gone; /* libuv's close callbacks ran */
  int finalized;  /* JS dropped its handle */
  int in_cleanup_hook;
  napi_async_cleanup_hook_handle cleanup;
  napi_ref on_batch;
  napi_ref on_error;
  napi_ref meta_ref;
  int32_t *meta;
  napi_async_context async;

  size_t slot_bytes;
  unsigned char *rx;
  struct mmsghdr rx_msgs[UB_BATCH];
  struct iovec rx_iov[UB_BATCH];
  ub_addr rx_addr[UB_BATCH];

  unsigned char *tx;
  size_t tx_used;
  unsigned tx_head;
  unsigned tx_count;
  struct mmsghdr tx_msgs[UB_SEND_QUEUE];
  struct iovec tx_iov[UB_SEND_QUEUE];
  ub_addr tx_addr[UB_SEND_QUEUE];

  /* The last destination parsed from text: replies mostly go to the sender just heard. */
  char last_text[64];
  size_t last_len;
  ub_addr last_addr;
  socklen_t last_addr_len;

  /* Receive coalescing: 0 = off; else the window in µs, a timerfd and its poll handle. */
  unsigned coalesce_us;
  int timer_fd;
  uv_poll_t timer_poll;
  int coalescing;         /* reading on the timer, the socket's readability unwatched */
  int handles_open;       /* libuv handles not yet closed */
  uint64_t window_start_ns;
  unsigned window_wakes;
  uint64_t rest_until_ns;

  int default_ttl;
  double received, truncated, batches, sent, send_dropped, send_errors, receive_errors, timed_reads;
} ub_socket;

/* socket.c */
int ub_open_fd(int family, const char *address, unsigned port, int rcvbuf, int sndbuf, int reuseport, int *fd_out);
int ub_parse_destination(ub_socket *s, const char *text, size_t len, unsigned port);
int ub_enqueue(ub_socket *s, const void *data, size_t len);
int ub_flush(ub_socket *s);
int ub_send_with_ttl(ub_socket *s, const void *data, size_t len, int ttl);
int ub_receive(ub_socket *s, int *error_out);
void ub_init_buffers(ub_socket *s);
int ub_format_address(const ub_addr *addr, char *out, size_t out_len, unsigned *port_out);
int ub_same_host(const ub_addr *a, const ub_addr *b);

#endif
