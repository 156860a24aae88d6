#include "base/totp.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

int hotp_code(enum totp_hash hash, const uint8_t *secret, size_t secret_len, uint64_t counter,
	      unsigned digits, uint32_t *ret_code)
{
	static const uint32_t powers[] = {1000000, 10000000, 100000000, 1000000000};
	const EVP_MD *md = hash == TOTP_SHA256   ? EVP_sha256()
			   : hash == TOTP_SHA512 ? EVP_sha512()
						 : EVP_sha1();
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	if (digits < 6 || digits > 9 || !secret_len || secret_len > 1024)
		return -EINVAL;
	for (int i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (uint8_t)counter;
	if (!HMAC(md, secret, (int)secret_len, msg, sizeof(msg), mac, &mac_len) || mac_len < 20)
		return -EIO;
	/* dynamic truncation: 4 bytes at the offset the last nibble names, top bit cleared */
	unsigned off = mac[mac_len - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	*ret_code = bin % powers[digits - 6];
	return 0;
}

int totp_code(enum totp_hash hash, const uint8_t *secret, size_t secret_len, long long unix_time,
	      unsigned step, unsigned digits, uint32_t *ret_code)
{
	if (!step || unix_time < 0)
		return -EINVAL;
	return hotp_code(hash, secret, secret_len, (uint64_t)unix_time / step, digits, ret_code);
}
