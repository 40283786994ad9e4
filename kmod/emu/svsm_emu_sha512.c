// SPDX-License-Identifier: GPL-2.0-only
/*
 * SHA-512 as specified in FIPS 180-4 (sections 4.1.3, 4.2.3, 5.1.2, 5.3.5
 * and 6.4), for REPORT_DATA = SHA-512(nonce || manifest) in the emulated
 * SVSM's attestation reports. Plain C with no library dependencies, so it
 * builds in the kernel module and in userspace alike. Not constant-time
 * hardened and not meant for secrets: the emulator only hashes public data.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "svsm_emu.h"

#define SHA512_BLOCK_SIZE	128
#define SHA512_LENGTH_OFFSET	112	/* where the 128-bit message length starts */

/*
 * K: the first 64 bits of the fractional parts of the cube roots of the
 * first 80 primes (FIPS 180-4 section 4.2.3).
 */
static const u64 sha512_k[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL,
	0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL,
	0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL,
	0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL,
	0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL,
	0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL,
	0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL,
	0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL,
	0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL,
	0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL,
	0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL,
	0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL,
	0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL,
	0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

/*
 * H(0): the first 64 bits of the fractional parts of the square roots of
 * the first 8 primes (FIPS 180-4 section 5.3.5).
 */
static const u64 sha512_h0[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
	0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
	0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static u64 rotr64(u64 x, unsigned int n)
{
	return (x >> n) | (x << (64 - n));
}

static u64 load_be64(const u8 *p)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void store_be64(u8 *p, u64 v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (u8)(v >> (56 - 8 * i));
}

/* FIPS 180-4 section 4.1.3. */
static u64 big_sigma0(u64 x)
{
	return rotr64(x, 28) ^ rotr64(x, 34) ^ rotr64(x, 39);
}

static u64 big_sigma1(u64 x)
{
	return rotr64(x, 14) ^ rotr64(x, 18) ^ rotr64(x, 41);
}

static u64 small_sigma0(u64 x)
{
	return rotr64(x, 1) ^ rotr64(x, 8) ^ (x >> 7);
}

static u64 small_sigma1(u64 x)
{
	return rotr64(x, 19) ^ rotr64(x, 61) ^ (x >> 6);
}

static u64 ch(u64 x, u64 y, u64 z)
{
	return (x & y) ^ (~x & z);
}

static u64 maj(u64 x, u64 y, u64 z)
{
	return (x & y) ^ (x & z) ^ (y & z);
}

/*
 * One block of the hash computation (FIPS 180-4 section 6.4.2). The message
 * schedule W[0..79] is kept as a rolling window of 16 words, so the stack
 * frame stays small enough for the kernel.
 */
static void sha512_block(u64 state[8], const u8 *block)
{
	u64 w[16];
	u64 a = state[0], b = state[1], c = state[2], d = state[3];
	u64 e = state[4], f = state[5], g = state[6], h = state[7];
	unsigned int t;

	for (t = 0; t < 80; t++) {
		u64 wt, t1, t2;

		if (t < 16) {
			wt = load_be64(block + 8 * t);
		} else {
			/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] */
			wt = small_sigma1(w[(t - 2) & 15]) + w[(t - 7) & 15] +
			     small_sigma0(w[(t - 15) & 15]) + w[t & 15];
		}
		w[t & 15] = wt;

		t1 = h + big_sigma1(e) + ch(e, f, g) + sha512_k[t] + wt;
		t2 = big_sigma0(a) + maj(a, b, c);
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}

	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

void svsm_emu_sha512_init(struct svsm_emu_sha512 *ctx)
{
	memcpy(ctx->state, sha512_h0, sizeof(ctx->state));
	ctx->count = 0;
	memset(ctx->buf, 0, sizeof(ctx->buf));
}

void svsm_emu_sha512_update(struct svsm_emu_sha512 *ctx, const void *data, size_t len)
{
	const u8 *p = data;
	size_t used = (size_t)(ctx->count % SHA512_BLOCK_SIZE);

	ctx->count += len;

	/* Top up a partly filled block first. */
	if (used) {
		size_t n = SHA512_BLOCK_SIZE - used;

		if (n > len)
			n = len;
		memcpy(ctx->buf + used, p, n);
		p += n;
		len -= n;
		if (used + n < SHA512_BLOCK_SIZE)
			return;
		sha512_block(ctx->state, ctx->buf);
	}

	/* Whole blocks straight from the input. */
	while (len >= SHA512_BLOCK_SIZE) {
		sha512_block(ctx->state, p);
		p += SHA512_BLOCK_SIZE;
		len -= SHA512_BLOCK_SIZE;
	}

	if (len)
		memcpy(ctx->buf, p, len);
}

/*
 * Padding (FIPS 180-4 section 5.1.2): a 1 bit, zeros up to 112 mod 128
 * bytes, then the message length in bits as a 128-bit big-endian number.
 */
void svsm_emu_sha512_final(struct svsm_emu_sha512 *ctx, u8 digest[64])
{
	size_t used = (size_t)(ctx->count % SHA512_BLOCK_SIZE);
	unsigned int i;

	ctx->buf[used++] = 0x80;
	if (used > SHA512_LENGTH_OFFSET) {
		memset(ctx->buf + used, 0, SHA512_BLOCK_SIZE - used);
		sha512_block(ctx->state, ctx->buf);
		used = 0;
	}
	memset(ctx->buf + used, 0, SHA512_LENGTH_OFFSET - used);
	/* count is in bytes: bits = count * 8, spread over 128 bits. */
	store_be64(ctx->buf + SHA512_LENGTH_OFFSET, ctx->count >> 61);
	store_be64(ctx->buf + SHA512_LENGTH_OFFSET + 8, ctx->count << 3);
	sha512_block(ctx->state, ctx->buf);

	for (i = 0; i < 8; i++)
		store_be64(digest + 8 * i, ctx->state[i]);

	/* Leave nothing of the message behind. */
	memset(ctx, 0, sizeof(*ctx));
}
