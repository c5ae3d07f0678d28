/*
 * udp-io: the RTP legs' UDP sockets without Node's per-packet overhead.
 *
 * Measured on the 2-core development machine (`npm run bench:rtp-socket`,
 * docs/benchmarks.md), a dgram socket costs about 9.9 us of CPU per packet sent
 * and 11.8 us per packet received, against 7.6 and 6.2 us through this addon;
 * dgram's receive cost is mostly user space (a Buffer, an rinfo object and an
 * event per packet, and an extra recvmsg that finds the socket empty). At 1,000
 * calls that is 100,000 packets a second: the whole core with dgram.
 *
 * So this addon owns the sockets' file descriptors and does two things:
 *  - send(): one sendto() per packet, straight from the caller (no lookup, no
 *    request object, no callback); a full socket buffer drops the packet, as
 *    the network would.
 *  - receive: every watched socket sits in one epoll set; libuv watches that
 *    set's descriptor, and when any socket is readable, one callback drains the
 *    ready ones with recvmmsg() into a ring the JavaScript side owns and calls
 *    it once per batch with the count. Per-packet metadata goes in an Int32Array:
 *    [socket id, source IPv4 (network order bits), source port, length].
 * Everything is per Node environment (worker threads get their own set).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define META_FIELDS 4
#define MAX_PER_READ 16
/* Rounds of draining per libuv wake-up: the set stays readable, so what is left waits one loop turn, not forever. */
#define MAX_ROUNDS 4

typedef struct {
  napi_env env;
  int epfd;
  uv_poll_t poll;
  int polling;
  napi_ref on_batch;
  napi_ref ring_ref;
  napi_ref meta_ref;
  napi_async_context async_ctx;
  uint8_t* ring;
  size_t slot_bytes;
  uint32_t slots;
  int32_t* meta;
} io_state;

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char code[32];
  char msg[160];
  snprintf(code, sizeof code, "E%d", err);
  if (err == EADDRINUSE) snprintf(code, sizeof code, "EADDRINUSE");
  else if (err == EACCES) snprintf(code, sizeof code, "EACCES");
  else if (err == EADDRNOTAVAIL) snprintf(code, sizeof code, "EADDRNOTAVAIL");
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

static io_state* state_of(napi_env env) {
  io_state* s = NULL;
  napi_get_instance_data(env, (void**)&s);
  return s;
}

/* open(ipv4: string, port: number) -> [fd, boundPort] */
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char host[64];
  size_t len = 0;
  uint32_t port = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], host, sizeof host, &len) != napi_ok || napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535) {
    napi_throw_type_error(env, NULL, "open(ipv4, port)");
    return NULL;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    napi_throw_type_error(env, NULL, "open: the bind address must be an IPv4 literal");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  socklen_t alen = sizeof addr;
  getsockname(fd, (struct sockaddr*)&addr, &alen);
  napi_value out, v;
  napi_create_array_with_length(env, 2, &out);
  napi_create_int32(env, fd, &v);
  napi_set_element(env, out, 0, v);
  napi_create_uint32(env, ntohs(addr.sin_port), &v);
  napi_set_element(env, out, 1, v);
  return out;
}

/* send(fd, packet: Uint8Array, ipv4: uint32 (host order), port) -> bytes sent, or -errno (EAGAIN: dropped) */
static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  uint32_t ip, port;
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value ab;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array ||
      napi_get_value_uint32(env, argv[2], &ip) != napi_ok || napi_get_value_uint32(env, argv[3], &port) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(fd, Uint8Array, ipv4, port)");
    return NULL;
  }
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(ip);
  ssize_t n = sendto(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr*)&to, sizeof to);
  napi_value out;
  napi_create_int32(env, n < 0 ? -errno : (int32_t)n, &out);
  return out;
}

/* watch(fd, id): deliver fd's packets tagged with id. */
static napi_value Watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  uint32_t id;
  io_state* s = state_of(env);
  if (!s || s->epfd < 0) {
    napi_throw_error(env, NULL, "watch: receiving has not been started");
    return NULL;
  }
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_uint32(env, argv[1], &id);
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = ((uint64_t)id << 32) | (uint32_t)fd;
  if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return throw_errno(env, "epoll_ctl", errno);
  return NULL;
}

/* close(fd): stops watching it and closes it. */
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  napi_get_value_int32(env, argv[0], &fd);
  io_state* s = state_of(env);
  if (s && s->epfd >= 0) epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  return NULL;
}

static void deliver(io_state* s, uint32_t count) {
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, arg, result;
  napi_get_reference_value(env, s->on_batch, &cb);
  napi_get_global(env, &recv); /* make_callback needs an object as `this` */
  napi_create_uint32(env, count, &arg);
  /* make_callback runs the microtasks queued by the batch, as any libuv callback into JS does. */
  napi_status st = napi_make_callback(env, s->async_ctx, recv, cb, 1, &arg, &result);
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  io_state* s = (io_state*)handle->data;
  if (status < 0) return;
  struct epoll_event ready[256];
  struct mmsghdr msgs[MAX_PER_READ];
  struct iovec iov[MAX_PER_READ];
  struct sockaddr_in from[MAX_PER_READ];
  uint32_t count = 0;
  /* JS runs only after the drain (a callback could close a socket still in `ready`); a full ring stops
   * the drain and what is left stays readable for the next turn of the loop. */
  for (int round = 0; round < MAX_ROUNDS && count < s->slots; round++) {
    int n = epoll_wait(s->epfd, ready, 256, 0);
    if (n <= 0) break;
    for (int i = 0; i < n && count < s->slots; i++) {
      int fd = (int)(uint32_t)(ready[i].data.u64 & 0xffffffffu);
      int32_t id = (int32_t)(ready[i].data.u64 >> 32);
      while (count < s->slots) {
        uint32_t room = s->slots - count;
        uint32_t want = room < MAX_PER_READ ? room : MAX_PER_READ;
        for (uint32_t k = 0; k < want; k++) {
          iov[k].iov_base = s->ring + (size_t)(count + k) * s->slot_bytes;
          iov[k].iov_len = s->slot_bytes;
          memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
          msgs[k].msg_hdr.msg_iov = &iov[k];
          msgs[k].msg_hdr.msg_iovlen = 1;
          msgs[k].msg_hdr.msg_name = &from[k];
          msgs[k].msg_hdr.msg_namelen = sizeof from[k];
        }
        int got = recvmmsg(fd, msgs, want, MSG_DONTWAIT, NULL);
        if (got <= 0) break; /* EAGAIN, or an error the socket reports again later */
        for (int k = 0; k < got; k++) {
          int32_t* m = s->meta + (size_t)(count + k) * META_FIELDS;
          m[0] = id;
          m[1] = (int32_t)ntohl(from[k].sin_addr.s_addr);
          m[2] = ntohs(from[k].sin_port);
          /* Longer than a slot: truncated, so flagged unusable (-1) rather than half-read. */
          m[3] = (msgs[k].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)msgs[k].msg_len;
        }
        count += (uint32_t)got;
        if ((uint32_t)got < want) break;
      }
    }
  }
  if (count > 0) deliver(s, count);
}

/* startReceiving(ring: Uint8Array, slotBytes, meta: Int32Array, onBatch(count)) */
static napi_value StartReceiving(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  io_state* s = state_of(env);
  if (s->epfd >= 0) {
    napi_throw_error(env, NULL, "startReceiving: already started");
    return NULL;
  }
  napi_typedarray_type type;
  size_t ring_len, meta_len, off;
  void *ring, *meta;
  napi_value ab;
  uint32_t slot_bytes;
  if (argc < 4 || napi_get_typedarray_info(env, argv[0], &type, &ring_len, &ring, &ab, &off) != napi_ok || type != napi_uint8_array ||
      napi_get_value_uint32(env, argv[1], &slot_bytes) != napi_ok || slot_bytes == 0 ||
      napi_get_typedarray_info(env, argv[2], &type, &meta_len, &meta, &ab, &off) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "startReceiving(Uint8Array, slotBytes, Int32Array, onBatch)");
    return NULL;
  }
  uint32_t slots = (uint32_t)(ring_len / slot_bytes);
  if (meta_len / META_FIELDS < slots) slots = (uint32_t)(meta_len / META_FIELDS);
  if (slots == 0) {
    napi_throw_range_error(env, NULL, "startReceiving: the ring holds no packet");
    return NULL;
  }
  s->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (s->epfd < 0) return throw_errno(env, "epoll_create1", errno);
  s->ring = ring;
  s->meta = meta;
  s->slot_bytes = slot_bytes;
  s->slots = slots;
  /* The typed arrays stay referenced so their memory outlives any batch. */
  napi_create_reference(env, argv[0], 1, &s->ring_ref);
  napi_create_reference(env, argv[2], 1, &s->meta_ref);
  napi_create_reference(env, argv[3], 1, &s->on_batch);
  napi_value name;
  napi_create_string_utf8(env, "udp-io", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->async_ctx);
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &s->poll, s->epfd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  s->polling = 1;
  /* The watcher alone must not keep the process alive: the sockets' owners decide that. */
  uv_unref((uv_handle_t*)&s->poll);
  return NULL;
}

static void on_poll_closed(uv_handle_t* handle) {
  io_state* s = (io_state*)handle->data;
  if (s->epfd >= 0) close(s->epfd);
  free(s);
}

static void cleanup(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  io_state* s = (io_state*)data;
  if (s->polling) {
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t*)&s->poll, on_poll_closed);
  } else {
    if (s->epfd >= 0) close(s->epfd);
    free(s);
  }
}

NAPI_MODULE_INIT() {
  io_state* s = calloc(1, sizeof *s);
  s->env = env;
  s->epfd = -1;
  napi_set_instance_data(env, s, cleanup, NULL);
  napi_property_descriptor props[] = {
      {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, Send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, Watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startReceiving", NULL, StartReceiving, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
