// Stand-in for libsrtp 3's <srtp.h>, on top of Debian's libsrtp2.
// mediasoup 3.27 calls libsrtp 3's API: an opaque policy built with setters, and
// protect/unprotect with separate in/out buffers and size_t lengths. libsrtp2 has the
// same SRTP underneath with a public policy struct and in-place int lengths, so each
// v3 call maps onto v2 here. The v3 names are macros onto crier_srtp3_* functions
// defined after the v2 header, so the v2 declarations stay intact.
#ifndef CRIER_SRTP3_ON_SRTP2_H
#define CRIER_SRTP3_ON_SRTP2_H

#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

// libsrtp 3 status codes libsrtp2 2.5 lacks: distinct values past v2's last one.
#define srtp_err_status_buffer_small ((srtp_err_status_t)28)
#define srtp_err_status_cryptex_err ((srtp_err_status_t)29)

// Master key + salt, the longest (AES-256-GCM: 32 + 12, AES-256-CM: 32 + 14).
#define CRIER_SRTP3_MAX_KEY_LEN 64

typedef struct crier_srtp3_policy
{
	srtp_policy_t v2;
	unsigned char key[CRIER_SRTP3_MAX_KEY_LEN];
} crier_srtp3_policy;

typedef crier_srtp3_policy* crier_srtp3_policy_t;

static inline srtp_err_status_t crier_srtp3_policy_create(crier_srtp3_policy_t* policy)
{
	crier_srtp3_policy* p = (crier_srtp3_policy*)calloc(1, sizeof(crier_srtp3_policy));
	if (!p)
		return srtp_err_status_alloc_fail;
	p->v2.key  = p->key;
	p->v2.next = NULL;
	*policy    = p;
	return srtp_err_status_ok;
}

static inline void crier_srtp3_policy_destroy(crier_srtp3_policy_t policy)
{
	free(policy);
}

static inline srtp_err_status_t crier_srtp3_policy_set_ssrc(crier_srtp3_policy_t policy, srtp_ssrc_t ssrc)
{
	policy->v2.ssrc = ssrc;
	return srtp_err_status_ok;
}

static inline srtp_err_status_t crier_srtp3_policy_set_profile(
  crier_srtp3_policy_t policy, srtp_profile_t profile)
{
	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->v2.rtp, profile);
	if (err != srtp_err_status_ok)
		return err;
	return srtp_crypto_policy_set_from_profile_for_rtcp(&policy->v2.rtcp, profile);
}

static inline srtp_err_status_t crier_srtp3_policy_add_key(
  crier_srtp3_policy_t policy,
  const uint8_t* key,
  size_t key_len,
  const uint8_t* salt,
  size_t salt_len,
  const uint8_t* mki,
  size_t mki_len)
{
	if (mki != NULL || mki_len != 0)
		return srtp_err_status_bad_param;
	if (key_len + salt_len > CRIER_SRTP3_MAX_KEY_LEN)
		return srtp_err_status_bad_param;
	memcpy(policy->key, key, key_len);
	memcpy(policy->key + key_len, salt, salt_len);
	return srtp_err_status_ok;
}

static inline srtp_err_status_t crier_srtp3_policy_set_allow_repeat_tx(
  crier_srtp3_policy_t policy, int allow)
{
	policy->v2.allow_repeat_tx = allow ? 1 : 0;
	return srtp_err_status_ok;
}

static inline srtp_err_status_t crier_srtp3_policy_set_window_size(
  crier_srtp3_policy_t policy, size_t window_size)
{
	policy->v2.window_size = (unsigned long)window_size;
	return srtp_err_status_ok;
}

static inline srtp_err_status_t crier_srtp3_create(srtp_t* session, const crier_srtp3_policy* policy)
{
	return srtp_create(session, &policy->v2);
}

// v2 transforms in place and needs SRTP_MAX_TRAILER_LEN spare bytes after the packet.
static inline srtp_err_status_t crier_srtp3_protect_with(
  srtp_err_status_t (*fn)(srtp_t, void*, int*),
  srtp_t ctx,
  const uint8_t* in,
  size_t in_len,
  uint8_t* out,
  size_t* out_len)
{
	if (*out_len < in_len + SRTP_MAX_TRAILER_LEN)
		return srtp_err_status_buffer_small;
	if (out != in)
		memmove(out, in, in_len);
	int len                 = (int)in_len;
	srtp_err_status_t err = fn(ctx, out, &len);
	if (err == srtp_err_status_ok)
		*out_len = (size_t)len;
	return err;
}

static inline srtp_err_status_t crier_srtp3_unprotect_with(
  srtp_err_status_t (*fn)(srtp_t, void*, int*),
  srtp_t ctx,
  const uint8_t* in,
  size_t in_len,
  uint8_t* out,
  size_t* out_len)
{
	if (out != in)
		memmove(out, in, in_len);
	int len                 = (int)in_len;
	srtp_err_status_t err = fn(ctx, out, &len);
	if (err == srtp_err_status_ok)
		*out_len = (size_t)len;
	return err;
}

static inline srtp_err_status_t crier_srtp3_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp, size_t* srtp_len, size_t mki_index)
{
	(void)mki_index;
	return crier_srtp3_protect_with(srtp_protect, ctx, rtp, rtp_len, srtp, srtp_len);
}

static inline srtp_err_status_t crier_srtp3_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp, size_t* rtp_len)
{
	return crier_srtp3_unprotect_with(srtp_unprotect, ctx, srtp, srtp_len, rtp, rtp_len);
}

static inline srtp_err_status_t crier_srtp3_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp, size_t* srtcp_len, size_t mki_index)
{
	(void)mki_index;
	return crier_srtp3_protect_with(srtp_protect_rtcp, ctx, rtcp, rtcp_len, srtcp, srtcp_len);
}

static inline srtp_err_status_t crier_srtp3_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp, size_t* rtcp_len)
{
	return crier_srtp3_unprotect_with(srtp_unprotect_rtcp, ctx, srtcp, srtcp_len, rtcp, rtcp_len);
}

#ifdef __cplusplus
}
#endif

#define srtp_policy_t crier_srtp3_policy_t
#define srtp_policy_create crier_srtp3_policy_create
#define srtp_policy_destroy crier_srtp3_policy_destroy
#define srtp_policy_set_ssrc crier_srtp3_policy_set_ssrc
#define srtp_policy_set_profile crier_srtp3_policy_set_profile
#define srtp_policy_add_key crier_srtp3_policy_add_key
#define srtp_policy_set_allow_repeat_tx crier_srtp3_policy_set_allow_repeat_tx
#define srtp_policy_set_window_size crier_srtp3_policy_set_window_size
#define srtp_create crier_srtp3_create
#define srtp_protect crier_srtp3_protect
#define srtp_unprotect crier_srtp3_unprotect
#define srtp_protect_rtcp crier_srtp3_protect_rtcp
#define srtp_unprotect_rtcp crier_srtp3_unprotect_rtcp
// Same call (SSRC in network order), renamed in libsrtp 3.
#define srtp_stream_remove srtp_remove_stream

#endif
