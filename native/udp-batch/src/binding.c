/* N-API glue of the batched UDP socket: open/send/flush/close from JS, batches handed to JS. */
#include "udp_batch.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CHECK(call) \
  do { \
    if ((call) != napi_ok) return NULL; \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *detail) {
  char message[160];
  const char *code = uv_err_name(-err);
  snprintf(message, sizeof(message), "%s %s%s%s", syscall, code, detail ? " " : "", detail ? detail : "");
  napi_throw_error(env, code, message);
  return NULL;
}

static void call_js(ub_socket *s, napi_ref ref, size_t argc, napi_value *argv) {
  napi_value fn, global, result;
  if (napi_get_reference_value(s->env, ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(s->env, &global);
  if (napi_make_callback(s->env, s->async, global, fn, argc, argv, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(s->env, &exception);
    napi_fatal_exception(s->env, exception);
  }
}

static void report_error(ub_socket *s, int err, const char *syscall) {
  napi_value argv[2];
  napi_create_int32(s->env, -err, &argv[0]);
  napi_create_string_utf8(s->env, syscall, NAPI_AUTO_LENGTH, &argv[1]);
  call_js(s, s->on_error, 2, argv);
}

static void on_poll(uv_poll_t *handle, int status, int events);

/* Readable unless coalescing (the timer reads then); writable only while a full kernel buffer holds queued sends back. */
static void update_poll(ub_socket *s) {
  if (s->closed) return;
  int wanted = (s->coalescing ? 0 : UV_READABLE) | (s->tx_count > s->tx_head ? UV_WRITABLE : 0);
  if (wanted != s->poll_events) {
    s->poll_events = wanted;
    if (wanted == 0) uv_poll_stop(&s->poll);
    else uv_poll_start(&s->poll, wanted, on_poll);
  }
}

/* Hands one received batch to JS: one fresh Buffer of payloads, the meta array, distinct hosts. */
static void deliver(ub_socket *s, int n) {
  napi_env env = s->env;
  size_t total = 0;
  s->received += n;
  s->batches++;
  for (int i = 0; i < n; i++) {
    if (s->rx_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
    total += s->rx_msgs[i].msg_len;
  }
  napi_value buffer, addresses;
  void *data = NULL;
  if (napi_create_buffer(env, total, &data, &buffer) != napi_ok) return;
  napi_create_array(env, &addresses);
  const ub_addr *hosts[UB_BATCH];
  unsigned host_count = 0;
  size_t offset = 0;
  int count = 0;
  for (int i = 0; i < n; i++) {
    struct msghdr *hdr = &s->rx_msgs[i].msg_hdr;
    if (hdr->msg_flags & MSG_TRUNC) {
      s->truncated++;
      continue;
    }
    const ub_addr *from = &s->rx_addr[i];
    if (from->sa.sa_family != s->family) continue;
    unsigned index = 0;
    while (index < host_count && !ub_same_host(hosts[index], from)) index++;
    unsigned port = 0;
    if (index == host_count) {
      char text[UB_ADDR_TEXT];
      if (ub_format_address(from, text, sizeof(text), &port) != 0) continue;
      napi_value str;
      napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &str);
      napi_set_element(env, addresses, host_count, str);
      hosts[host_count++] = from;
    }
    port = ntohs(s->family == AF_INET ? from->v4.sin_port : from->v6.sin6_port);
    size_t len = s->rx_msgs[i].msg_len;
    memcpy((unsigned char *)data + offset, s->rx_iov[i].iov_base, len);
    offset += len;
    s->meta[count * UB_META] = (int32_t)len;
    s->meta[count * UB_META + 1] = (int32_t)port;
    s->meta[count * UB_META + 2] = (int32_t)index;
    count++;
  }
  if (count == 0) return;
  napi_value argv[3];
  napi_create_int32(env, count, &argv[0]);
  argv[1] = buffer;
  argv[2] = addresses;
  call_js(s, s->on_batch, 3, argv);
}

/* Reads what is queued, batch by batch, up to UB_BATCHES_PER_WAKE batches; returns the count read. */
static unsigned drain(ub_socket *s) {
  unsigned total = 0;
  for (int b = 0; b < UB_BATCHES_PER_WAKE && !s->closed; b++) {
    int err = 0;
    int n = ub_receive(s, &err);
    if (n < 0) {
      s->receive_errors++;
      report_error(s, err, "recvmmsg");
      break;
    }
    if (n == 0) break;
    total += (unsigned)n;
    deliver(s, n);
    if (n < UB_BATCH) break; /* drained: another call would only say EAGAIN */
  }
  return total;
}

static uint64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* Arms the coalescing timer for `us` µs (0 disarms). Either way the timerfd stops being readable. */
static int arm_timer(ub_socket *s, unsigned us) {
  struct itimerspec spec;
  memset(&spec, 0, sizeof(spec));
  spec.it_value.tv_sec = us / 1000000u;
  spec.it_value.tv_nsec = (long)(us % 1000000u) * 1000L;
  return timerfd_settime(s->timer_fd, 0, &spec, NULL) == 0 ? 0 : errno;
}

/*
 * After a readiness wake-up: a socket woken UB_COALESCE_WAKES times within as many windows
 * switches to timed reads. Each wake-up costs a sleep, a schedule and a system call whether it
 * carries one datagram or sixty: under load, one read per window carries many.
 */
static void count_wake(ub_socket *s) {
  uint64_t now = monotonic_ns();
  uint64_t span = (uint64_t)s->coalesce_us * 1000u * UB_COALESCE_WAKES;
  if (now - s->window_start_ns >= span) {
    s->window_start_ns = now;
    s->window_wakes = 0;
  }
  if (++s->window_wakes < UB_COALESCE_WAKES || now < s->rest_until_ns) return;
  if (arm_timer(s, s->coalesce_us) == 0) s->coalescing = 1;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  ub_socket *s = handle->data;
  if (s->closed) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  if (status < 0) {
    report_error(s, -status, "poll");
  } else {
    if (events & UV_WRITABLE) {
      int err = ub_flush(s);
      if (err && !s->closed) report_error(s, err, "sendmmsg");
    }
    if ((events & UV_READABLE) && !s->coalescing) {
      drain(s);
      if (s->coalesce_us && !s->closed) count_wake(s);
    }
    update_poll(s);
  }
  napi_close_handle_scope(s->env, scope);
}

/* The coalescing window ended: read what it gathered; a thin harvest goes back to readiness. */
static void on_timer(uv_poll_t *handle, int status, int events) {
  ub_socket *s = handle->data;
  if (s->closed) return;
  if (!s->coalescing) {
    arm_timer(s, 0); /* a stray expiry: clear it, or level-triggered polling would spin */
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  s->timed_reads++;
  unsigned n = 0;
  if (status < 0) s->coalesce_us = 0; /* libuv stopped a failed poll for good: readiness only from now on */
  else n = drain(s);
  /* A read that hit the drain cap left datagrams queued: the next one comes at once, not a window later. */
  unsigned next_us = n >= UB_BATCH * UB_BATCHES_PER_WAKE ? 1 : s->coalesce_us;
  if (!s->closed && (n < UB_COALESCE_MIN_DATAGRAMS || arm_timer(s, next_us) != 0)) {
    arm_timer(s, 0);
    s->coalescing = 0;
    s->window_wakes = 0;
    s->rest_until_ns = monotonic_ns() + (uint64_t)s->coalesce_us * 1000u * UB_COALESCE_REST_WINDOWS;
  }
  update_poll(s);
  napi_close_handle_scope(s->env, scope);
}

static void free_if_done(ub_socket *s) {
  if (s->handle_gone && s->finalized) free(s);
}

static void on_handle_closed(uv_handle_t *handle) {
  ub_socket *s = handle->data;
  if (--s->handles_open > 0) return;
  if (s->in_cleanup_hook) {
    /* The environment's teardown waited for this: the addon may be unloaded once it is told. */
    napi_remove_async_cleanup_hook(s->cleanup);
  } else {
    napi_delete_reference(s->env, s->on_batch);
    napi_delete_reference(s->env, s->on_error);
    napi_delete_reference(s->env, s->meta_ref);
    napi_async_destroy(s->env, s->async);
  }
  free(s->rx);
  free(s->tx);
  s->rx = s->tx = NULL;
  s->handle_gone = 1;
  free_if_done(s);
}

static void close_socket(ub_socket *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_handle_closed);
  close(s->fd); /* after uv_close: libuv has forgotten the fd, and the port is free at once */
  s->fd = -1;
  if (s->timer_fd >= 0) {
    uv_poll_stop(&s->timer_poll);
    uv_close((uv_handle_t *)&s->timer_poll, on_handle_closed);
    close(s->timer_fd);
    s->timer_fd = -1;
  }
}

/*
 * An environment (a worker thread, the main thread at exit) ending with the socket open. Async,
 * so Node waits for the close callbacks before it unloads the addon: a plain cleanup hook let a
 * terminated worker's loop call into unloaded code.
 */
static void on_env_cleanup(napi_async_cleanup_hook_handle hook, void *arg) {
  ub_socket *s = arg;
  s->in_cleanup_hook = 1;
  close_socket(s);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  ub_socket *s = data;
  s->finalized = 1;
  if (!s->closed) {
    napi_remove_async_cleanup_hook(s->cleanup);
    close_socket(s);
  }
  free_if_done(s);
}

static ub_socket *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return data;
}

/* open(family 4|6, address, port, rcvbuf, sndbuf, reuseport, slotBytes, meta, onBatch, onError, coalesceMicros) */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 11) return throw_errno(env, EINVAL, "open", "(arguments)");
  int32_t family, rcvbuf, sndbuf;
  uint32_t port, slot, coalesce_us;
  bool reuseport;
  char address[64];
  size_t address_len = 0;
  CHECK(napi_get_value_int32(env, argv[0], &family));
  CHECK(napi_get_value_string_latin1(env, argv[1], address, sizeof(address), &address_len));
  CHECK(napi_get_value_uint32(env, argv[2], &port));
  CHECK(napi_get_value_int32(env, argv[3], &rcvbuf));
  CHECK(napi_get_value_int32(env, argv[4], &sndbuf));
  CHECK(napi_get_value_bool(env, argv[5], &reuseport));
  CHECK(napi_get_value_uint32(env, argv[6], &slot));
  CHECK(napi_get_value_uint32(env, argv[10], &coalesce_us));
  if (coalesce_us > UB_COALESCE_MAX_US) return throw_errno(env, EINVAL, "open", "(coalesceMicros)");
  napi_typedarray_type meta_type;
  size_t meta_length;
  void *meta_data;
  CHECK(napi_get_typedarray_info(env, argv[7], &meta_type, &meta_length, &meta_data, NULL, NULL));
  if (meta_type != napi_int32_array || meta_length < UB_BATCH * UB_META) return throw_errno(env, EINVAL, "open", "(meta)");
  if (slot < 1 || slot > UB_MAX_SLOT) slot = UB_MAX_SLOT;
  int af = family == 6 ? AF_INET6 : AF_INET;
  int fd = -1;
  int err = ub_open_fd(af, address, port, rcvbuf, sndbuf, reuseport, &fd);
  if (err) {
    char detail[96];
    snprintf(detail, sizeof(detail), af == AF_INET6 ? "[%s]:%u" : "%s:%u", address, port);
    return throw_errno(env, err, "bind", detail);
  }
  ub_socket *s = calloc(1, sizeof(ub_socket));
  unsigned char *rx = malloc((size_t)slot * UB_BATCH);
  unsigned char *tx = malloc(UB_SEND_ARENA);
  if (!s || !rx || !tx) {
    free(s), free(rx), free(tx);
    close(fd);
    return throw_errno(env, ENOMEM, "open", NULL);
  }
  s->env = env;
  s->fd = fd;
  s->family = af;
  s->slot_bytes = slot;
  s->rx = rx;
  s->tx = tx;
  s->meta = meta_data;
  s->default_ttl = 64;
  socklen_t ttl_len = sizeof(s->default_ttl);
  getsockopt(fd, af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, af == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS, &s->default_ttl, &ttl_len);
  if (s->default_ttl <= 0) s->default_ttl = 64;
  ub_init_buffers(s);
  napi_create_reference(env, argv[7], 1, &s->meta_ref);
  napi_create_reference(env, argv[8], 1, &s->on_batch);
  napi_create_reference(env, argv[9], 1, &s->on_error);
  napi_value name;
  napi_create_string_utf8(env, "punchthrough:udp-batch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->async);
  uv_loop_t *loop = NULL;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  s->poll_events = UV_READABLE;
  s->handles_open = 1;
  uv_poll_start(&s->poll, UV_READABLE, on_poll);
  s->timer_fd = -1;
  /* Without a timerfd the socket reads on readiness only: coalescing is an economy, not a duty. */
  int timer_fd = coalesce_us > 0 ? timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC) : -1;
  if (timer_fd >= 0 && uv_poll_init(loop, &s->timer_poll, timer_fd) == 0) {
    s->timer_fd = timer_fd;
    s->coalesce_us = coalesce_us;
    s->timer_poll.data = s;
    s->handles_open = 2;
    uv_poll_start(&s->timer_poll, UV_READABLE, on_timer);
  } else if (timer_fd >= 0) {
    close(timer_fd);
  }
  napi_add_async_cleanup_hook(env, on_env_cleanup, s, &s->cleanup);
  napi_value external;
  CHECK(napi_create_external(env, s, on_finalize, NULL, &external));
  return external;
}

static napi_value int_result(napi_env env, int value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

/* send(handle, data, port, address[, ttl]) → 0 queued, -1 dropped (queue full), else an errno. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ub_socket *s = argc >= 4 ? unwrap(env, argv[0]) : NULL;
  if (!s || s->closed) return int_result(env, EBADF);
  napi_typedarray_type type;
  size_t length;
  void *data;
  uint32_t port;
  char address[64];
  size_t address_len = 0;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok ||
      napi_get_value_string_latin1(env, argv[3], address, sizeof(address), &address_len) != napi_ok ||
      address_len >= sizeof(address) - 1) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return int_result(env, EINVAL);
  }
  if (ub_parse_destination(s, address, address_len, port) != 0) return int_result(env, EINVAL);
  if (argc >= 5) {
    int32_t ttl = 0;
    if (napi_get_value_int32(env, argv[4], &ttl) != napi_ok || ttl < 1 || ttl > 255) return int_result(env, EINVAL);
    int err = ub_send_with_ttl(s, data, length, ttl);
    update_poll(s);
    return int_result(env, err);
  }
  return int_result(env, ub_enqueue(s, data, length));
}

/* flush(handle) → 0, or the errno of the last datagram that failed. */
static napi_value js_flush(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ub_socket *s = argc >= 1 ? unwrap(env, argv[0]) : NULL;
  if (!s || s->closed) return int_result(env, 0);
  int err = s->tx_count > s->tx_head ? ub_flush(s) : 0;
  update_poll(s);
  return int_result(env, err);
}

/* close(handle): sends what is queued, then releases the poll handle and the fd. Idempotent. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ub_socket *s = argc >= 1 ? unwrap(env, argv[0]) : NULL;
  if (s && !s->closed) {
    ub_flush(s);
    napi_remove_async_cleanup_hook(s->cleanup);
    close_socket(s);
  }
  return NULL;
}

/* address(handle) → [address, port] of the bound socket. */
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ub_socket *s = argc >= 1 ? unwrap(env, argv[0]) : NULL;
  if (!s || s->closed) return throw_errno(env, EBADF, "getsockname", NULL);
  ub_addr addr;
  socklen_t len = sizeof(addr);
  char text[UB_ADDR_TEXT];
  unsigned port = 0;
  if (getsockname(s->fd, &addr.sa, &len) != 0) return throw_errno(env, errno, "getsockname", NULL);
  if (ub_format_address(&addr, text, sizeof(text), &port) != 0) return throw_errno(env, EINVAL, "getsockname", NULL);
  napi_value result, str, num;
  napi_create_array_with_length(env, 2, &result);
  napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &str);
  napi_create_uint32(env, port, &num);
  napi_set_element(env, result, 0, str);
  napi_set_element(env, result, 1, num);
  return result;
}

/* stats(handle) → [received, truncated, batches, sent, sendDropped, sendErrors, receiveErrors, timedReads] */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ub_socket *s = argc >= 1 ? unwrap(env, argv[0]) : NULL;
  if (!s) return NULL;
  double values[] = {s->received, s->truncated, s->batches, s->sent, s->send_dropped, s->send_errors, s->receive_errors, s->timed_reads};
  uint32_t count = sizeof(values) / sizeof(values[0]);
  napi_value result;
  napi_create_array_with_length(env, count, &result);
  for (uint32_t i = 0; i < count; i++) {
    napi_value num;
    napi_create_double(env, values[i], &num);
    napi_set_element(env, result, i, num);
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, js_flush, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value batch, meta;
  napi_create_uint32(env, UB_BATCH, &batch);
  napi_create_uint32(env, UB_META, &meta);
  napi_set_named_property(env, exports, "batchSize", batch);
  napi_set_named_property(env, exports, "metaPerDatagram", meta);
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE_INIT() {
  return init(env, exports);
}
