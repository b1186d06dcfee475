// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded test data (spec §9): xoroshiro128+ (rotate 55, shift 14,
 * rotate 36) seeded with two splitmix64 outputs, emitted as the low 32 bits
 * of each output in little-endian order.
 */
#include <string.h>

#include "famfs_priv.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void famfs_prng_init(struct famfs_prng *p, uint32_t seed)
{
	uint64_t x = seed;

	if (!p)
		return;
	p->s[0] = splitmix64(&x);
	p->s[1] = splitmix64(&x);
}

uint64_t famfs_prng_next(struct famfs_prng *p)
{
	uint64_t s0 = p->s[0], s1 = p->s[1];
	uint64_t r = s0 + s1;

	s1 ^= s0;
	p->s[0] = rotl(s0, 55) ^ s1 ^ (s1 << 14);
	p->s[1] = rotl(s1, 36);
	return r;
}

static void put_le32(uint8_t *b, uint32_t v)
{
	b[0] = v;
	b[1] = v >> 8;
	b[2] = v >> 16;
	b[3] = v >> 24;
}

void famfs_prng_fill(struct famfs_prng *p, void *buf, size_t len)
{
	uint8_t *b = buf, w[4];
	size_t i;

	if (!p || !buf)
		return;
	for (i = 0; i + 4 <= len; i += 4)
		put_le32(b + i, (uint32_t)famfs_prng_next(p));
	if (i < len) {
		put_le32(w, (uint32_t)famfs_prng_next(p));
		memcpy(b + i, w, len - i);
	}
}

size_t famfs_prng_verify(struct famfs_prng *p, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint8_t w[4];
	size_t i, j;

	if (!p || !buf)
		return 0;
	for (i = 0; i < len; i += 4) {
		put_le32(w, (uint32_t)famfs_prng_next(p));
		for (j = 0; j < 4 && i + j < len; j++)
			if (b[i + j] != w[j])
				return i + j;
	}
	return len;
}
