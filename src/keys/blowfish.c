#include "keys/blowfish.h"

#include <string.h>

#include "keys/blowfish_pi.inc"

#define BLOWFISH_ROUNDS 16

static inline uint32_t blowfish_f(const struct blowfish_state *c, uint32_t x)
{
	return ((c->s[0][x >> 24] + c->s[1][(x >> 16) & 0xff]) ^ c->s[2][(x >> 8) & 0xff]) +
	       c->s[3][x & 0xff];
}

static inline __attribute__((always_inline)) void blowfish_encipher(const struct blowfish_state *c,
								    uint32_t *xl, uint32_t *xr)
{
	uint32_t l = *xl, r = *xr;
	l ^= c->p[0];
#pragma GCC unroll 8
	for (int i = 1; i <= BLOWFISH_ROUNDS; i += 2) {
		r ^= blowfish_f(c, l) ^ c->p[i];
		l ^= blowfish_f(c, r) ^ c->p[i + 1];
	}
	*xl = r ^ c->p[BLOWFISH_ROUNDS + 1];
	*xr = l;
}

void blowfish_init_state(struct blowfish_state *c)
{
	memcpy(c->p, blowfish_init_p, sizeof(c->p));
	memcpy(c->s, blowfish_init_s, sizeof(c->s));
}

uint32_t blowfish_stream_to_word(const uint8_t *data, size_t datalen, size_t *current)
{
	uint32_t word = 0;
	size_t j = *current;
	for (int i = 0; i < 4; i++, j++) {
		if (j >= datalen)
			j = 0;
		word = word << 8 | data[j];
	}
	*current = j;
	return word;
}

void blowfish_words_from_bytes(const uint8_t *bytes, size_t nwords, uint32_t *words)
{
	size_t j = 0;
	for (size_t i = 0; i < nwords; i++)
		words[i] = blowfish_stream_to_word(bytes, nwords * 4, &j);
}

/* The same schedules for keys and data of 16 whole words (bcrypt's SHA-512 outputs), with
 * the words converted once: this is bcrypt_pbkdf's inner loop. */
void blowfish_expand_state_w16(struct blowfish_state *c, const uint32_t data[16],
			       const uint32_t key[16])
{
	for (int i = 0; i < BLOWFISH_ROUNDS + 2; i++)
		c->p[i] ^= key[i & 15];
	uint32_t l = 0, r = 0;
	unsigned j = 0;
	for (int i = 0; i < BLOWFISH_ROUNDS + 2; i += 2) {
		l ^= data[j];
		r ^= data[j + 1];
		j = (j + 2) & 15;
		blowfish_encipher(c, &l, &r);
		c->p[i] = l;
		c->p[i + 1] = r;
	}
	for (int box = 0; box < 4; box++) {
		for (int k = 0; k < 256; k += 2) {
			l ^= data[j];
			r ^= data[j + 1];
			j = (j + 2) & 15;
			blowfish_encipher(c, &l, &r);
			c->s[box][k] = l;
			c->s[box][k + 1] = r;
		}
	}
}

void blowfish_expand0_state_w16(struct blowfish_state *c, const uint32_t key[16])
{
	for (int i = 0; i < BLOWFISH_ROUNDS + 2; i++)
		c->p[i] ^= key[i & 15];
	uint32_t l = 0, r = 0;
	for (int i = 0; i < BLOWFISH_ROUNDS + 2; i += 2) {
		blowfish_encipher(c, &l, &r);
		c->p[i] = l;
		c->p[i + 1] = r;
	}
	for (int box = 0; box < 4; box++) {
		for (int k = 0; k < 256; k += 2) {
			blowfish_encipher(c, &l, &r);
			c->s[box][k] = l;
			c->s[box][k + 1] = r;
		}
	}
}

void blowfish_encrypt_blocks(const struct blowfish_state *c, uint32_t *words, size_t nblocks)
{
	for (size_t i = 0; i < nblocks; i++)
		blowfish_encipher(c, &words[2 * i], &words[2 * i + 1]);
}
