/* Byte strings as case and expected files write them: "text", with runs
 * "a"*4096 or "a"*PAGE*16, joined by +: "head"+"\0"*100.  Long or varied data that has
 * no short form is written as a hash: fnv64=0123456789abcdef. */
#ifndef SPLICECHECK_DATA_H
#define SPLICECHECK_DATA_H

#include "util.h"

#define DATA_MAX_DECODED (64u << 20)

/* Decodes s; false on a malformed literal (or a hash form when
 * allow_hash is false).  For a hash form, *out is NULL and *hash is set. */
bool data_decode(const char *s, bool allow_hash, unsigned char **out, size_t *len, unsigned long long *hash, bool *is_hash);
/* The same, refusing (with *too_long set) data longer than max bytes
 * before making any of it. */
bool data_decode_max(const char *s, bool allow_hash, size_t max, unsigned char **out, size_t *len,
		     unsigned long long *hash, bool *is_hash, bool *too_long);

/* The one canonical spelling of bytes, so that expected and seen data
 * compare as text: a plain literal when short and printable, runs when
 * few, else the hash. */
void data_format(const unsigned char *p, size_t n, struct sbuf *b);

/* How long the repeat count after a literal's '*' is: digits, or
 * arithmetic over constants without '+' (PAGE*15, PIPE_DEF_SIZE-1). */
size_t data_count_len(const char *s);

unsigned long long fnv64(const unsigned char *p, size_t n);

#endif
