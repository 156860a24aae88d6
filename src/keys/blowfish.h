/* The Blowfish core that bcrypt_pbkdf needs (Schneier 1993; the "eksblowfish" key schedule
 * of Provos and Mazieres 1999). Only what bcrypt_pbkdf uses is exposed; this is not a
 * general-purpose cipher API. */
#ifndef SSHKEYCTL_KEYS_BLOWFISH_H
#define SSHKEYCTL_KEYS_BLOWFISH_H

#include <stddef.h>
#include <stdint.h>

struct blowfish_state {
	uint32_t s[4][256];
	uint32_t p[18];
};

void blowfish_init_state(struct blowfish_state *c);
/* Big-endian words of bytes[nwords * 4]. */
void blowfish_words_from_bytes(const uint8_t *bytes, size_t nwords, uint32_t *words);
/* The key schedules of eksblowfish, for data and key of exactly 16 words, already converted. */
void blowfish_expand_state_w16(struct blowfish_state *c, const uint32_t data[16],
			       const uint32_t key[16]);
void blowfish_expand0_state_w16(struct blowfish_state *c, const uint32_t key[16]);
/* Next big-endian 32-bit word of data, wrapping around at datalen. */
uint32_t blowfish_stream_to_word(const uint8_t *data, size_t datalen, size_t *current);
/* Encrypt nblocks 64-bit blocks held as pairs of 32-bit words, in place (ECB). */
void blowfish_encrypt_blocks(const struct blowfish_state *c, uint32_t *words, size_t nblocks);

#endif
