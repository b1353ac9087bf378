/*
 * hindex: a hash index from 64-bit keys to values (usually indices into the
 * caller's own array), so that an analysis pass finds the few events or
 * connections of one key without scanning them all: a run of 100,000
 * connections must not cost 100,000 squared steps.
 *
 * Items are filed in the order they are added, and the items of one key come
 * back in that order: a scan that kept the first (or the newest) match of a
 * linear search keeps the same one through the index. A caller whose real
 * key is longer than 64 bits files under a hash of it and compares each item
 * it gets back; equal hashes of different keys only cost a comparison.
 */
#ifndef TCPLAB_HINDEX_H
#define TCPLAB_HINDEX_H

#include <stddef.h>
#include <stdint.h>

/* No item: the end of a key's items. */
#define TL_HINDEX_NONE SIZE_MAX

struct tl_hindex {
	size_t n, cap;	     /* items filed, room for */
	uint64_t *key;	     /* per item */
	size_t *val;	     /* per item: the caller's */
	size_t *next;	     /* per item: the next item in its bucket, in filing order */
	size_t n_buckets;    /* a power of two, at least n once anything is filed */
	size_t *head, *tail; /* per bucket: its first and last item */
};

/* An empty index; tl_hindex_free() releases what it grows to. */
void tl_hindex_init(struct tl_hindex *x);
void tl_hindex_free(struct tl_hindex *x);

/* Files val under key, after every item filed before. Returns 0, or -1 (ENOMEM). */
int tl_hindex_add(struct tl_hindex *x, uint64_t key, size_t val);

/* The first item filed under key, or TL_HINDEX_NONE. */
size_t tl_hindex_first(const struct tl_hindex *x, uint64_t key);

/* The item filed under the same key after item, or TL_HINDEX_NONE. */
size_t tl_hindex_next(const struct tl_hindex *x, size_t item);

/* A map's store: the first item under key gets val, or a new item is filed. Returns 0, or -1 (ENOMEM). */
int tl_hindex_set(struct tl_hindex *x, uint64_t key, size_t val);

/* Mixes a 64-bit value into a hash whose every bit depends on every input bit (splitmix64's finaliser). */
uint64_t tl_hash_mix(uint64_t v);

/* Folds n bytes into hash h (FNV-1a's step on 64-bit words, then mixed): for addresses and tuples. */
uint64_t tl_hash_bytes(uint64_t h, const void *p, size_t n);

#endif
