/* The system-call side of the batched UDP socket: bind, recvmmsg into slots, queue and sendmmsg. */
#include "udp_batch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fill_address(int family, const char *text, unsigned port, ub_addr *out, socklen_t *len_out) {
  memset(out, 0, sizeof(*out));
  if (family == AF_INET) {
    out->v4.sin_family = AF_INET;
    out->v4.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, text, &out->v4.sin_addr) != 1) return EINVAL;
    *len_out = sizeof(struct sockaddr_in);
    return 0;
  }
  char host[64];
  size_t n = strlen(text);
  if (n >= sizeof(host)) return EINVAL;
  memcpy(host, text, n + 1);
  char *scope = strchr(host, '%');
  unsigned scope_id = 0;
  if (scope) {
    *scope++ = '\0';
    char *end = NULL;
    unsigned long numeric = strtoul(scope, &end, 10);
    scope_id = (end && *end == '\0' && end != scope) ? (unsigned)numeric : if_nametoindex(scope);
    if (scope_id == 0) return EINVAL;
  }
  out->v6.sin6_family = AF_INET6;
  out->v6.sin6_port = htons((uint16_t)port);
  out->v6.sin6_scope_id = scope_id;
  if (inet_pton(AF_INET6, host, &out->v6.sin6_addr) != 1) return EINVAL;
  *len_out = sizeof(struct sockaddr_in6);
  return 0;
}

int ub_open_fd(int family, const char *address, unsigned port, int rcvbuf, int sndbuf, int reuseport, int *fd_out) {
  ub_addr addr;
  socklen_t len;
  if (port > 65535 || fill_address(family, address, port, &addr, &len) != 0) return EINVAL;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int one = 1;
  int err = 0;
  /* Like node:dgram's udp6 with ipv6Only: an IPv6 socket never carries IPv4. */
  if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) err = errno;
  if (!err && reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) err = errno;
  /* Buffer sizes are hints: the kernel caps them at net.core.[rw]mem_max without failing. */
  if (!err && rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  if (!err && sndbuf > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  if (!err && bind(fd, &addr.sa, len) != 0) err = errno;
  if (err) {
    close(fd);
    return err;
  }
  *fd_out = fd;
  return 0;
}

void ub_init_buffers(ub_socket *s) {
  for (unsigned i = 0; i < UB_BATCH; i++) {
    s->rx_iov[i].iov_base = s->rx + (size_t)i * s->slot_bytes;
    s->rx_iov[i].iov_len = s->slot_bytes;
    s->rx_msgs[i].msg_hdr.msg_iov = &s->rx_iov[i];
    s->rx_msgs[i].msg_hdr.msg_iovlen = 1;
    s->rx_msgs[i].msg_hdr.msg_name = &s->rx_addr[i];
  }
  for (unsigned i = 0; i < UB_SEND_QUEUE; i++) {
    s->tx_msgs[i].msg_hdr.msg_iov = &s->tx_iov[i];
    s->tx_msgs[i].msg_hdr.msg_iovlen = 1;
    s->tx_msgs[i].msg_hdr.msg_name = &s->tx_addr[i];
  }
}

/* Parses the destination of the next send into s->last_addr (cached: the same text parses once). */
int ub_parse_destination(ub_socket *s, const char *text, size_t len, unsigned port) {
  if (port == 0 || port > 65535) return EINVAL;
  if (len == 0 || len >= sizeof(s->last_text)) return EINVAL;
  if (len != s->last_len || memcmp(text, s->last_text, len) != 0) {
    s->last_len = 0;
    if (fill_address(s->family, text, port, &s->last_addr, &s->last_addr_len) != 0) return EINVAL;
    memcpy(s->last_text, text, len);
    s->last_text[len] = '\0';
    s->last_len = len;
  }
  if (s->family == AF_INET) s->last_addr.v4.sin_port = htons((uint16_t)port);
  else s->last_addr.v6.sin6_port = htons((uint16_t)port);
  return 0;
}

/* Queues one datagram to s->last_addr. 0 queued, -1 dropped (queue full), else an errno. */
int ub_enqueue(ub_socket *s, const void *data, size_t len) {
  if (len > UB_MAX_SLOT) return EMSGSIZE;
  if (s->tx_count == UB_SEND_QUEUE || s->tx_used + len > UB_SEND_ARENA) {
    ub_flush(s);
    if (s->tx_count == UB_SEND_QUEUE || s->tx_used + len > UB_SEND_ARENA) {
      s->send_dropped++;
      return -1;
    }
  }
  unsigned i = s->tx_count++;
  memcpy(s->tx + s->tx_used, data, len);
  s->tx_iov[i].iov_base = s->tx + s->tx_used;
  s->tx_iov[i].iov_len = len;
  s->tx_used += len;
  s->tx_addr[i] = s->last_addr;
  s->tx_msgs[i].msg_hdr.msg_namelen = s->last_addr_len;
  return 0;
}

/*
 * Sends the queue with sendmmsg. Returns 0, or the errno of the last datagram that failed
 * (that datagram is skipped; UDP is lossy). A full kernel buffer (EAGAIN) leaves the rest
 * queued and the caller polls for writability.
 */
int ub_flush(ub_socket *s) {
  int last_error = 0;
  while (s->tx_head < s->tx_count) {
    unsigned n = s->tx_count - s->tx_head;
    int sent = sendmmsg(s->fd, &s->tx_msgs[s->tx_head], n, MSG_DONTWAIT);
    if (sent > 0) {
      s->tx_head += (unsigned)sent;
      s->sent += sent;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return last_error;
    last_error = sent < 0 ? errno : EIO;
    s->send_errors++;
    s->tx_head++;
  }
  s->tx_head = 0;
  s->tx_count = 0;
  s->tx_used = 0;
  return last_error;
}

/* A low-TTL send (hole punching primes): after the queue, with the TTL set around it. */
int ub_send_with_ttl(ub_socket *s, const void *data, size_t len, int ttl) {
  ub_flush(s);
  int level = s->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
  int name = s->family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS;
  if (setsockopt(s->fd, level, name, &ttl, sizeof(ttl)) != 0) return errno;
  int err = 0;
  if (sendto(s->fd, data, len, MSG_DONTWAIT, &s->last_addr.sa, s->last_addr_len) < 0) err = errno;
  int restore = s->default_ttl;
  setsockopt(s->fd, level, name, &restore, sizeof(restore));
  if (err) s->send_errors++;
  else s->sent++;
  return err;
}

/* One recvmmsg into the slots. Returns the count (0 when none), or -1 with *error_out set. */
int ub_receive(ub_socket *s, int *error_out) {
  for (unsigned i = 0; i < UB_BATCH; i++) {
    s->rx_msgs[i].msg_hdr.msg_namelen = sizeof(ub_addr);
    s->rx_msgs[i].msg_hdr.msg_flags = 0;
    s->rx_msgs[i].msg_hdr.msg_control = NULL;
    s->rx_msgs[i].msg_hdr.msg_controllen = 0;
  }
  for (;;) {
    int n = recvmmsg(s->fd, s->rx_msgs, UB_BATCH, MSG_DONTWAIT, NULL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    *error_out = errno;
    return -1;
  }
}

int ub_format_address(const ub_addr *addr, char *out, size_t out_len, unsigned *port_out) {
  if (addr->sa.sa_family == AF_INET) {
    *port_out = ntohs(addr->v4.sin_port);
    return inet_ntop(AF_INET, &addr->v4.sin_addr, out, (socklen_t)out_len) ? 0 : EINVAL;
  }
  if (addr->sa.sa_family == AF_INET6) {
    *port_out = ntohs(addr->v6.sin6_port);
    if (!inet_ntop(AF_INET6, &addr->v6.sin6_addr, out, (socklen_t)out_len)) return EINVAL;
    if (addr->v6.sin6_scope_id != 0) {
      size_t used = strlen(out);
      char name[IF_NAMESIZE];
      const char *scope = if_indextoname(addr->v6.sin6_scope_id, name);
      if (scope && used + 1 + strlen(scope) < out_len) {
        out[used] = '%';
        strcpy(out + used + 1, scope);
      }
    }
    return 0;
  }
  return EINVAL;
}

int ub_same_host(const ub_addr *a, const ub_addr *b) {
  if (a->sa.sa_family != b->sa.sa_family) return 0;
  if (a->sa.sa_family == AF_INET) return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
  return memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, sizeof(a->v6.sin6_addr)) == 0 &&
         a->v6.sin6_scope_id == b->v6.sin6_scope_id;
}
