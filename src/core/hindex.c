/*
 * hindex: chained buckets over items kept in filing order (see hindex.h).
 */
#include "core/hindex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void tl_hindex_init(struct tl_hindex *x)
{
	memset(x, 0, sizeof(*x));
}

void tl_hindex_free(struct tl_hindex *x)
{
	free(x->key);
	free(x->val);
	free(x->next);
	free(x->head);
	free(x->tail);
	tl_hindex_init(x);
}

uint64_t tl_hash_mix(uint64_t v)
{
	v ^= v >> 30;
	v *= 0xbf58476d1ce4e5b9ull;
	v ^= v >> 27;
	v *= 0x94d049bb133111ebull;
	return v ^ (v >> 31);
}

/* Eight bytes at a time: addresses are 16 bytes, and every packet hashes a few. */
uint64_t tl_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return tl_hash_mix(h);
}

static size_t bucket_of(const struct tl_hindex *x, uint64_t key)
{
	return (size_t)(tl_hash_mix(key) & (x->n_buckets - 1));
}

/* Puts item at the end of its bucket's chain: filing order within the chain. */
static void chain(struct tl_hindex *x, size_t item)
{
	size_t b = bucket_of(x, x->key[item]);
	x->next[item] = TL_HINDEX_NONE;
	if (x->tail[b] == TL_HINDEX_NONE)
		x->head[b] = item;
	else
		x->next[x->tail[b]] = item;
	x->tail[b] = item;
}

/* Twice the buckets, every item chained again in filing order: chains stay short. */
static int rebucket(struct tl_hindex *x)
{
	size_t nb = x->n_buckets ? x->n_buckets * 2 : 64;
	size_t *head = malloc(nb * sizeof(*head)), *tail = malloc(nb * sizeof(*tail));
	if (!head || !tail) {
		free(head);
		free(tail);
		errno = ENOMEM;
		return -1;
	}
	free(x->head);
	free(x->tail);
	x->head = head;
	x->tail = tail;
	x->n_buckets = nb;
	memset(head, 0xff, nb * sizeof(*head)); /* all TL_HINDEX_NONE */
	memset(tail, 0xff, nb * sizeof(*tail));
	for (size_t i = 0; i < x->n; i++)
		chain(x, i);
	return 0;
}

static int grow_items(struct tl_hindex *x)
{
	size_t cap = x->cap ? x->cap * 2 : 64;
	uint64_t *key = realloc(x->key, cap * sizeof(*key));
	if (key)
		x->key = key;
	size_t *val = key ? realloc(x->val, cap * sizeof(*val)) : NULL;
	if (val)
		x->val = val;
	size_t *next = val ? realloc(x->next, cap * sizeof(*next)) : NULL;
	if (!next) {
		errno = ENOMEM;
		return -1;
	}
	x->next = next;
	x->cap = cap;
	return 0;
}

int tl_hindex_add(struct tl_hindex *x, uint64_t key, size_t val)
{
	if (x->n == x->cap && grow_items(x) < 0)
		return -1;
	size_t item = x->n++;
	x->key[item] = key;
	x->val[item] = val;
	if (x->n > x->n_buckets) {
		if (rebucket(x) < 0) {
			x->n--;
			return -1;
		}
	} else {
		chain(x, item);
	}
	return 0;
}

static size_t same_key_from(const struct tl_hindex *x, size_t item, uint64_t key)
{
	while (item != TL_HINDEX_NONE && x->key[item] != key)
		item = x->next[item];
	return item;
}

size_t tl_hindex_first(const struct tl_hindex *x, uint64_t key)
{
	if (!x->n)
		return TL_HINDEX_NONE;
	return same_key_from(x, x->head[bucket_of(x, key)], key);
}

size_t tl_hindex_next(const struct tl_hindex *x, size_t item)
{
	return same_key_from(x, x->next[item], x->key[item]);
}

int tl_hindex_set(struct tl_hindex *x, uint64_t key, size_t val)
{
	size_t item = tl_hindex_first(x, key);
	if (item == TL_HINDEX_NONE)
		return tl_hindex_add(x, key, val);
	x->val[item] = val;
	return 0;
}
