/*
 * netsieve's regex scan kernel, compiled to WebAssembly with SIMD (wasm/build.sh).
 *
 * It owns no memory of its own beyond a small stack: every table, stream state, input and match buffer lives
 * in linear memory that src/regex/runtime.ts allocates, and every function takes addresses into it. Two
 * engines:
 *
 * - dfa_scan / dfa_eod: a table DFA (src/regex/dfa.ts builds it). The hot loop is one byte-class lookup and
 *   one transition load per byte; states numbered at or above special_base carry work: a report list, a
 *   quiescent mark (no partial match alive: jump to the next prefilter candidate) or an acceleration set
 *   (skip with SIMD over bytes that keep the state).
 * - lit_scan: many literals (src/regex/literals.ts): a hash of the 4-byte window at every stride-th stream
 *   offset, tested against a bitmap, then exact verification of the literals registered for that window.
 *
 * Matches are appended to a matches_t buffer as { pattern, to } with `to` relative to the chunk. When the
 * buffer cannot take a state's whole report list, the scan stops *before* that byte and says where, so the
 * caller can empty the buffer and call again from there.
 */
#include <wasm_simd128.h>
#include "layout.h"

#define EXPORT __attribute__((visibility("default")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline uint32_t load32(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/* ------------------------------------------------------------------ SIMD byte-set search */

/* First i in [from, len) whose byte may be in the set (a superset test), or len. */
static uint32_t shufti_next(const shufti_t *m, const uint8_t *data, uint32_t from, uint32_t len) {
  uint32_t i = from;
  const v128_t lo = wasm_v128_load(m->lo), hi = wasm_v128_load(m->hi), nib = wasm_i8x16_splat(0x0f);
  const v128_t zero = wasm_i8x16_splat(0);
  for (; i + 16 <= len; i += 16) {
    v128_t v = wasm_v128_load(data + i);
    v128_t r = wasm_v128_and(wasm_i8x16_swizzle(lo, wasm_v128_and(v, nib)), wasm_i8x16_swizzle(hi, wasm_u8x16_shr(v, 4)));
    if (wasm_v128_any_true(r)) return i + (uint32_t)__builtin_ctz(wasm_i8x16_bitmask(wasm_i8x16_ne(r, zero)));
  }
  for (; i < len; i++) {
    uint8_t c = data[i];
    if (m->lo[c & 15] & m->hi[c >> 4]) return i;
  }
  return len;
}

/*
 * Candidate positions in [from, len): every position j < k of the window must pass its masks for a common
 * bucket. Positions whose window runs past len are tested on the bytes that exist (the rest of the window
 * is unknown, so they are candidates if what exists passes).
 *
 * The search works in 16-position blocks and remembers the last block's candidate mask in *cursor, so the
 * next call after a false candidate (the DFA left its quiescent state for a byte or two) does not test the
 * same block again.
 */
typedef struct {
  uint32_t base; /* first position of the remembered block */
  uint32_t mask; /* its candidates, bit j = position base + j (a full-block mask, 16 bits) */
} teddy_cursor_t;

/* Candidate mask of the 16 positions p[0..15] (reads p[0 .. 15 + k - 1]). */
static inline uint32_t teddy_block(const teddy_t *t, const uint8_t *p) {
  const v128_t nib = wasm_i8x16_splat(0x0f), zero = wasm_i8x16_splat(0);
  v128_t v0 = wasm_v128_load(p);
  v128_t r = wasm_v128_and(wasm_i8x16_swizzle(wasm_v128_load(t->pos[0].lo), wasm_v128_and(v0, nib)),
                           wasm_i8x16_swizzle(wasm_v128_load(t->pos[0].hi), wasm_u8x16_shr(v0, 4)));
  const uint32_t k = t->k;
  if (k > 1) {
    v128_t v1 = wasm_v128_load(p + 1);
    r = wasm_v128_and(r, wasm_v128_and(wasm_i8x16_swizzle(wasm_v128_load(t->pos[1].lo), wasm_v128_and(v1, nib)),
                                       wasm_i8x16_swizzle(wasm_v128_load(t->pos[1].hi), wasm_u8x16_shr(v1, 4))));
  }
  if (k > 2) {
    v128_t v2 = wasm_v128_load(p + 2);
    r = wasm_v128_and(r, wasm_v128_and(wasm_i8x16_swizzle(wasm_v128_load(t->pos[2].lo), wasm_v128_and(v2, nib)),
                                       wasm_i8x16_swizzle(wasm_v128_load(t->pos[2].hi), wasm_u8x16_shr(v2, 4))));
  }
  if (k > 3) {
    v128_t v3 = wasm_v128_load(p + 3);
    r = wasm_v128_and(r, wasm_v128_and(wasm_i8x16_swizzle(wasm_v128_load(t->pos[3].lo), wasm_v128_and(v3, nib)),
                                       wasm_i8x16_swizzle(wasm_v128_load(t->pos[3].hi), wasm_u8x16_shr(v3, 4))));
  }
  return wasm_i8x16_bitmask(wasm_i8x16_ne(r, zero));
}

static uint32_t teddy_next(const teddy_t *t, const uint8_t *data, uint32_t from, uint32_t len, teddy_cursor_t *cur) {
  /* The remembered block first. */
  if (from >= cur->base && from < cur->base + 16) {
    uint32_t m = cur->mask & (0xffffffffu << (from - cur->base));
    if (m) return cur->base + (uint32_t)__builtin_ctz(m);
    from = cur->base + 16;
  }
  uint32_t i = from;
  for (; i + 19 <= len; i += 16) {
    uint32_t m = teddy_block(t, data + i);
    if (m) {
      cur->base = i;
      cur->mask = m;
      return i + (uint32_t)__builtin_ctz(m);
    }
  }
  /* The tail: one more block ending at len - 3 (overlapping what was tested), then the last 3 positions,
   * whose windows run past the end, one by one. */
  const uint32_t k = t->k;
  if (i + 3 < len && len >= 19) {
    uint32_t b = len - 19;
    uint32_t m = teddy_block(t, data + b) & (0xffffffffu << (i - b));
    if (m) {
      cur->base = b;
      cur->mask = m;
      return b + (uint32_t)__builtin_ctz(m);
    }
    i = len - 3;
  }
  for (; i < len; i++) {
    uint8_t acc = 0xff;
    for (uint32_t j = 0; j < k && i + j < len; j++) {
      uint8_t c = data[i + j];
      acc &= t->pos[j].lo[c & 15] & t->pos[j].hi[c >> 4];
    }
    if (acc) return i;
  }
  return len;
}

/* ------------------------------------------------------------------ DFA */

static inline uint32_t emit_list(matches_t *out, const uint8_t *blob, uint32_t list_off, int32_t at) {
  const uint32_t *list = (const uint32_t *)(blob + list_off);
  uint32_t n = list[0];
  if (UNLIKELY(out->cap - out->n < n)) return 0;
  const report_t *r = (const report_t *)(list + 1);
  int32_t *rec = (int32_t *)(out + 1) + 2 * out->n;
  for (uint32_t j = 0; j < n; j++) {
    rec[2 * j] = (int32_t)r[j].pattern;
    rec[2 * j + 1] = at + r[j].adjust;
  }
  out->n += n;
  return 1;
}

/*
 * The scan loop, for 16- or 32-bit transition tables. `s` is the state before data[i]. Returns the index
 * reached: len when done, less when the match buffer was full (the state saved is the one before that byte).
 */
typedef struct {
  const uint8_t *blob;
  const uint8_t *cls;
  const uint8_t *catmap;
  const spec_t *specs; /* already offset by -spec_base: index with the state id */
  const uint32_t *starts;
  const teddy_t *teddy;
  uint32_t shift, special;
} dfa_ctx_t;

static uint32_t stop_reason;

/* Why the last dfa_scan returned before the end of its data: STOP_FULL or STOP_MISS. */
EXPORT uint32_t dfa_stop_reason(void) { return stop_reason; }

#define DEFINE_DFA_LOOP(NAME, T, MISS)                                                                       \
  static uint32_t NAME(const dfa_ctx_t *x, const T *trans, dfa_state_t *st, uint32_t s, uint32_t i,          \
                       const uint8_t *data, uint32_t len, matches_t *out) {                                  \
    const uint8_t *cls = x->cls;                                                                             \
    const uint32_t shift = x->shift, special = x->special;                                                   \
    teddy_cursor_t cur = {0xffffffffu - 32, 0};                                                              \
    for (;;) {                                                                                               \
      /* Hot path: plain states, two bytes per iteration while both stay plain. */                           \
      while (LIKELY(i + 1 < len)) {                                                                          \
        uint32_t n1 = trans[(s << shift) | cls[data[i]]];                                                    \
        if (UNLIKELY(n1 >= special)) break;                                                                  \
        uint32_t n2 = trans[(n1 << shift) | cls[data[i + 1]]];                                               \
        if (UNLIKELY(n2 >= special)) {                                                                       \
          s = n1;                                                                                            \
          i += 1;                                                                                            \
          break;                                                                                             \
        }                                                                                                    \
        s = n2;                                                                                              \
        i += 2;                                                                                              \
      }                                                                                                      \
      if (i >= len) break;                                                                                   \
      uint32_t ns = trans[(s << shift) | cls[data[i]]];                                                      \
      if (ns < special) {                                                                                    \
        s = ns;                                                                                              \
        i++;                                                                                                 \
        continue;                                                                                            \
      }                                                                                                      \
      if (UNLIKELY(ns == MISS)) {                                                                            \
        stop_reason = STOP_MISS;                                                                             \
        st->state = s;                                                                                       \
        return i;                                                                                            \
      }                                                                                                      \
      const spec_t *sp = &x->specs[ns];                                                                      \
      uint32_t f = sp->flags;                                                                                \
      if ((f & SPEC_REPORT) && !emit_list(out, x->blob, sp->report_off, (int32_t)i)) {                       \
        stop_reason = STOP_FULL;                                                                             \
        st->state = s;                                                                                       \
        return i;                                                                                            \
      }                                                                                                      \
      s = ns;                                                                                                \
      i++;                                                                                                   \
      if ((f & SPEC_QUIESCENT) && x->teddy) {                                                                \
        uint32_t c = teddy_next(x->teddy, data, i, len, &cur);                                               \
        if (c != i) {                                                                                        \
          s = x->starts[x->catmap[data[c - 1]]];                                                             \
          i = c;                                                                                             \
        }                                                                                                    \
      } else if (f & SPEC_ACCEL) {                                                                           \
        i = shufti_next((const shufti_t *)(x->blob + sp->accel_off), data, i, len);                          \
      }                                                                                                      \
      if (i >= len) break;                                                                                   \
    }                                                                                                        \
    st->state = s;                                                                                           \
    return len;                                                                                              \
  }

DEFINE_DFA_LOOP(dfa_loop16, uint16_t, DFA_MISS16)
DEFINE_DFA_LOOP(dfa_loop32, uint32_t, DFA_MISS32)

/*
 * Scans data[0, len) from the state in *st (which already reflects the byte before data[0]: the state
 * after the previous chunk, or a start state). Returns len, or the index where the match buffer ran out
 * of room (the state saved is the one before that byte: call again from there).
 */
static uint32_t dfa_scan_from(const uint8_t *blob, dfa_state_t *st, const uint8_t *data, uint32_t len, matches_t *out);

EXPORT uint32_t dfa_scan(const uint8_t *blob, dfa_state_t *st, const uint8_t *data, uint32_t len, matches_t *out) {
  const dfa_t *d = (const dfa_t *)blob;
  uint32_t r = dfa_scan_from(blob, st, data, len, out);
  /* A lazy DFA's stream keeps the image of its state (positions, context) beside the id: ids change when
   * the table is flushed, the image does not. Copied here so that a scan costs the caller nothing more. */
  if (d->image_off) __builtin_memcpy((uint8_t *)st + 8, blob + d->image_off + st->state * d->image_size, d->image_size);
  return r;
}

static uint32_t dfa_scan_from(const uint8_t *blob, dfa_state_t *st, const uint8_t *data, uint32_t len, matches_t *out) {
  const dfa_t *d = (const dfa_t *)blob;
  dfa_ctx_t x = {blob,
                 blob + d->classmap_off,
                 blob + d->catmap_off,
                 (const spec_t *)(blob + d->spec_off) - d->spec_base,
                 (const uint32_t *)(blob + d->start_off),
                 d->teddy_off ? (const teddy_t *)(blob + d->teddy_off) : 0,
                 d->shift,
                 d->special_base};
  uint32_t s = st->state, i = 0;
  if (len == 0) return 0;
  /* Starting quiescent: go straight to the first candidate (or accelerate). */
  if (s >= x.special) {
    const spec_t *sp = &x.specs[s];
    if ((sp->flags & SPEC_QUIESCENT) && x.teddy) {
      teddy_cursor_t cur = {0xffffffffu - 32, 0};
      uint32_t c = teddy_next(x.teddy, data, 0, len, &cur);
      if (c > 0) s = x.starts[x.catmap[data[c - 1]]];
      i = c;
    } else if (sp->flags & SPEC_ACCEL) {
      i = shufti_next((const shufti_t *)(blob + sp->accel_off), data, 0, len);
    }
  }
  if (i >= len) {
    st->state = s;
    return len;
  }
  return d->wide ? dfa_loop32(&x, (const uint32_t *)(blob + d->trans_off), st, s, i, data, len, out)
                 : dfa_loop16(&x, (const uint16_t *)(blob + d->trans_off), st, s, i, data, len, out);
}

/* End of data: the reports the current state completes. Returns 1, or 0 when the buffer lacks room. */
EXPORT uint32_t dfa_eod(const uint8_t *blob, dfa_state_t *st, uint32_t len, matches_t *out) {
  const dfa_t *d = (const dfa_t *)blob;
  const uint32_t off = ((const uint32_t *)(blob + d->eod_off))[st->state];
  if (off == 0) return 1;
  return emit_list(out, blob, off, (int32_t)len);
}

/* ------------------------------------------------------------------ literals */

static inline int lit_verify(const uint8_t *blob, const lit_t *l, const uint8_t *at) {
  const uint8_t *bytes = blob + l->bytes_off;
  const uint8_t *fold = bytes + l->len;
  for (uint32_t j = 0; j < l->len; j++)
    if ((uint8_t)(at[j] | fold[j]) != bytes[j]) return 0;
  return 1;
}

typedef struct {
  const uint8_t *blob;
  const lit_engine_t *e;
  const uint8_t *bitmap;
  const uint32_t *csr;
  const lit_entry_t *entries;
  const lit_t *lits;
  uint32_t shift; /* 64 - bitmap_bits */
  uint64_t wmask; /* the hashed window's bytes of a little-endian 8-byte load */
  const uint8_t *bitmap2;
} lit_ctx_t;

/*
 * The candidates of aligned position q whose window hash passed the bitmap: reports literals that start at
 * q - offset >= lo, end at or before hi, and end after vu (all relative to buf). rel converts a buf index
 * to the chunk-relative `to` the caller wants. Returns 0 when the buffer lacks room (nothing was written).
 */
static inline int lit_candidates(const lit_ctx_t *c, const uint8_t *buf, int32_t lo, int32_t hi, int32_t q, uint64_t h, int32_t vu, int32_t rel,
                                 matches_t *out) {
  /* The second filter: the same size of bitmap on the next bits of the hash. */
  const uint32_t bits = 64 - c->shift;
  const uint32_t bit2 = (uint32_t)(h >> (c->shift - bits)) & ((1u << bits) - 1);
  if ((c->bitmap2[bit2 >> 3] >> (bit2 & 7) & 1) == 0) return 1;
  uint32_t bucket = LIT_BUCKET(h);
  uint32_t b0 = c->csr[bucket], b1 = c->csr[bucket + 1];
  if (UNLIKELY(out->cap - out->n < b1 - b0)) return 0;
  int32_t *rec = (int32_t *)(out + 1);
  for (uint32_t k = b0; k < b1; k++) {
    const lit_entry_t *en = &c->entries[k];
    int32_t p = q - (int32_t)en->offset, at = p + (int32_t)en->check_at;
    if (p < lo || at + 4 > hi || (load32(buf + at) | en->mask) != en->check) continue;
    const lit_t *l = &c->lits[en->lit];
    int32_t end = p + (int32_t)l->len;
    if (end > hi || end <= vu) continue;
    if (lit_verify(c->blob, l, buf + p)) {
      rec[2 * out->n] = (int32_t)l->pattern;
      rec[2 * out->n + 1] = end + rel;
      out->n++;
    }
  }
  return 1;
}

/* Hash of the case-folded window at p (OR 0x20 folds letters, and merges a few punctuation pairs: only
 * more candidates, verification is exact). Loads 8 bytes; those past the window are masked off. */
static inline uint64_t lit_hash(const lit_ctx_t *c, const uint8_t *p) {
  uint64_t w;
  __builtin_memcpy(&w, p, 8);
  return ((w | 0x2020202020202020ull) & c->wmask) * LIT_HASH_MUL64;
}
/* The same where fewer than 8 bytes are readable from p (at least the window's). */
static inline uint64_t lit_hash_tail(const lit_ctx_t *c, const uint8_t *p, int32_t avail) {
  uint8_t tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  __builtin_memcpy(tmp, p, (uint32_t)(avail < 8 ? avail : 8));
  return lit_hash(c, tmp);
}
static inline uint32_t lit_bit(const lit_ctx_t *c, uint64_t h) {
  uint32_t bit = (uint32_t)(h >> c->shift);
  return (c->bitmap[bit >> 3] >> (bit & 7)) & 1;
}

/* Tests one aligned position: bitmap, then candidates. Returns 0 when the buffer lacks room. */
static inline int lit_test(const lit_ctx_t *c, const uint8_t *buf, int32_t lo, int32_t hi, int32_t q, int32_t vu, int32_t rel, matches_t *out) {
  uint64_t h = q + LIT_WINDOW <= hi ? lit_hash(c, buf + q) : lit_hash_tail(c, buf + q, hi - q);
  if (LIKELY(!lit_bit(c, h))) return 1;
  return lit_candidates(c, buf, lo, hi, q, h, vu, rel, out);
}

/*
 * Scans a chunk of len bytes at stream offset `base`, with the stream's history (the bytes before it) in
 * the state. Aligned offsets q are tested once each, when every byte a literal found from q may need has
 * arrived (q + reach <= chunk end), or at the end of data (eod). Literals that already end inside the chunk
 * but belong to a q that must wait are verified now, and the state remembers the chunk end so that they
 * are not reported again. scratch must hold 2 * hist_size bytes.
 * Returns 1 when done, 0 when the match buffer filled (call again with the same arguments).
 */
EXPORT uint32_t lit_scan(const uint8_t *blob, lit_state_t *st, const uint8_t *data, uint32_t len, double base, uint32_t eod,
                         uint8_t *scratch, matches_t *out) {
  const lit_engine_t *e = (const lit_engine_t *)blob;
  lit_ctx_t c = {blob, e, blob + e->bitmap_off, (const uint32_t *)(blob + e->csr_off), (const lit_entry_t *)(blob + e->entries_off),
                 (const lit_t *)(blob + e->lits_off), 64 - e->bitmap_bits,
                 e->window >= 8 ? ~0ull : (1ull << (8 * e->window)) - 1, blob + e->bitmap2_off};
  const int32_t W = (int32_t)e->window;
  const int32_t s = (int32_t)e->stride, reach = (int32_t)e->reach;
  uint8_t *hist = (uint8_t *)(st + 1);
  const int32_t hl = (int32_t)st->hist_len;
  const int32_t n = (int32_t)len;
  int32_t q = (int32_t)(st->next_q - base); /* relative to the chunk; may be negative (in the history) */
  const int32_t vu = (int32_t)(st->verified_upto - base < -2147483647.0 ? -2147483647.0 : st->verified_upto - base);
  /* Last q tested in full now: all its bytes are here, or the data ends. */
  const int32_t qfull = eod ? n - W : n - reach;

  /* Seam: q whose literals may start in the history (q <= max_offset) read from scratch = history + the
   * chunk's start. */
  const int32_t back = (int32_t)e->max_offset + 1;
  const int32_t seam = reach + back + s + 8;
  const int32_t take = n < seam ? n : seam;
  if (q < back) {
    __builtin_memcpy(scratch, hist, (uint32_t)hl);
    __builtin_memcpy(scratch + hl, data, (uint32_t)take);
    /* In scratch, chunk offset x is at x + hl. */
    for (; q < back && q <= qfull && q + W <= take; q += s) {
      if (!lit_test(&c, scratch, 0, hl + take, q + hl, vu + hl, -hl, out)) {
        st->next_q = base + q;
        return 0;
      }
    }
  }
  /* Four offsets at a time: their hashes and bitmap loads are independent, so their latencies overlap. */
  const int32_t qfast = qfull < n - LIT_WINDOW ? qfull : n - LIT_WINDOW; /* all 8 loaded bytes inside the chunk */
  for (; q + 3 * s <= qfast; q += 4 * s) {
    uint64_t h0 = lit_hash(&c, data + q), h1 = lit_hash(&c, data + q + s), h2 = lit_hash(&c, data + q + 2 * s), h3 = lit_hash(&c, data + q + 3 * s);
    uint32_t any = lit_bit(&c, h0) | (lit_bit(&c, h1) << 1) | (lit_bit(&c, h2) << 2) | (lit_bit(&c, h3) << 3);
    if (LIKELY(any == 0)) continue;
    uint64_t hs[4] = {h0, h1, h2, h3};
    /* Room for all four first, so a full buffer never leaves the group half reported. */
    if (UNLIKELY(out->cap - out->n < 4 * e->max_bucket)) {
      st->next_q = base + q;
      return 0;
    }
    for (uint32_t j = 0; j < 4; j++)
      if (any & (1u << j)) lit_candidates(&c, data, 0, n, q + (int32_t)j * s, hs[j], vu, 0, out);
  }
  for (; q <= qfull; q += s) {
    if (!lit_test(&c, data, 0, n, q, vu, 0, out)) {
      st->next_q = base + q;
      return 0;
    }
  }
  /* q that must wait for more bytes: report now what already ends inside the chunk. All or nothing, so a
   * call repeated after a full buffer cannot report one twice. */
  if (!eod) {
    uint32_t waiting = 0;
    for (int32_t w = q; w + W <= n; w += s) waiting++;
    if (out->cap - out->n < waiting * e->max_bucket) {
      st->next_q = base + q;
      return 0;
    }
    for (int32_t w = q; w + W <= n; w += s) {
      const uint8_t *buf = data;
      int32_t lo = 0, hi = n, pos = w, vv = vu, rel = 0;
      if (w < back) {
        __builtin_memcpy(scratch, hist, (uint32_t)hl);
        __builtin_memcpy(scratch + hl, data, (uint32_t)take);
        buf = scratch;
        hi = hl + take;
        pos = w + hl;
        vv = vu + hl;
        rel = -hl;
      }
      lit_test(&c, buf, lo, hi, pos, vv, rel, out);
    }
  }
  st->next_q = base + q;
  st->verified_upto = base + len;
  /* Keep the last hist_size bytes of history + chunk. */
  const int32_t H = (int32_t)e->hist_size;
  if (n >= H) {
    __builtin_memcpy(hist, data + n - H, (uint32_t)H);
    st->hist_len = (uint32_t)H;
  } else {
    int32_t keep = H - n < hl ? H - n : hl;
    __builtin_memmove(hist, hist + hl - keep, (uint32_t)keep);
    __builtin_memcpy(hist + keep, data, (uint32_t)n);
    st->hist_len = (uint32_t)(keep + n);
  }
  return 1;
}

/* ------------------------------------------------------------------ bit-parallel NFA */

/*
 * One step per byte over the position bit set (src/regex/bit-nfa.ts explains the tables): follow the live
 * positions (a shift, then the entries of each live word), keep what the byte's class reaches, add the
 * first positions the byte begins in its start context. Engines of up to BNFA_DENSE_WORDS words keep the
 * bits in locals and step every word; larger ones step only the live words (a list), so that a big set with
 * little alive costs little. With nothing alive the scan jumps to the next prefilter candidate.
 */
typedef struct {
  const uint8_t *blob;
  uint32_t W, nclasses;
  const uint8_t *cls, *catmap;
  const uint64_t *shift1, *reach, *acceptb, *fsrc, *xsrc;
  const uint32_t *bpat;
  const bnfa_word_t *wt;
  const teddy_t *teddy;
  uint64_t *A; /* the state's bits */
  uint64_t *F; /* scratch: the next bits before the class filter (left zeroed) */
  uint32_t *act, *dirty;
  uint8_t *mark; /* scratch: words in the dirty list (left zeroed) */
  uint32_t nact, ndirty;
} bnfa_run_t;

static inline const bnfa_entry_t *bnfa_entries(const bnfa_run_t *r, uint32_t off) {
  return (const bnfa_entry_t *)(r->blob + off);
}

/* F[w] is only read for the words in the dirty list: the first touch of a word sets it, so that what
 * another engine of the database left in the shared scratch does not matter (see bnfa_setup). */
static inline void bnfa_or(bnfa_run_t *r, uint32_t w, uint64_t m) {
  if (!r->mark[w]) {
    r->mark[w] = 1;
    r->dirty[r->ndirty++] = w;
    r->F[w] = m;
  } else {
    r->F[w] |= m;
  }
}

static inline void bnfa_or_sparse(bnfa_run_t *r, uint32_t set_off) {
  const uint32_t *s = (const uint32_t *)(r->blob + set_off);
  const bnfa_rec_t *rec = (const bnfa_rec_t *)(s + 2);
  for (uint32_t j = 0; j < s[0]; j++) bnfa_or(r, rec[j].word, rec[j].mask);
}

static int out_has(const matches_t *out, uint32_t from, uint32_t p, int32_t to) {
  const int32_t *rec = (const int32_t *)(out + 1);
  for (uint32_t j = from; j < out->n; j++)
    if (rec[2 * j] == (int32_t)p && rec[2 * j + 1] == to) return 1;
  return 0;
}

static inline void out_push(matches_t *out, uint32_t p, int32_t to) {
  int32_t *rec = (int32_t *)(out + 1) + 2 * out->n;
  rec[0] = (int32_t)p;
  rec[1] = to;
  out->n++;
}

/*
 * The patterns of the live positions that report on consuming their byte (B reports). With `out`, reports
 * each at `to` (once each) and returns 0; without, returns whether pattern `p` is among them.
 */
static int bnfa_walk_b(const bnfa_run_t *r, int32_t to, matches_t *out, uint32_t p) {
  const uint32_t from = out ? out->n : 0;
  for (uint32_t k = 0; k < r->nact; k++) {
    uint32_t w = r->act[k];
    uint64_t h = r->A[w] & r->acceptb[w];
    while (h) {
      uint32_t q = w * 64 + (uint32_t)__builtin_ctzll(h);
      h &= h - 1;
      const uint32_t *l = (const uint32_t *)(r->blob + r->bpat[q]);
      for (uint32_t j = 0; j < l[0]; j++) {
        if (!out) {
          if (l[1 + j] == p) return 1;
        } else if (!out_has(out, from, l[1 + j], to)) {
          out_push(out, l[1 + j], to);
        }
      }
    }
  }
  return 0;
}

static inline void bnfa_report_b(const bnfa_run_t *r, int32_t to, matches_t *out) { bnfa_walk_b(r, to, out, 0); }

/* Whether pattern p was reported on consuming the last byte. */
static inline int bnfa_in_b(const bnfa_run_t *r, uint32_t p) { return bnfa_walk_b(r, 0, 0, p); }

/*
 * The extra entries of the live words in edge context xc: reports that needed the next symbol (at `to`),
 * then, when `adj`, the `$`-before-a-final-newline positions (added to F), unless that pattern is reported
 * at `to` already. `from` is where this step's reports begin in the buffer.
 */
static void bnfa_extra(bnfa_run_t *r, uint32_t xc, int32_t to, uint32_t from, matches_t *out, int adj) {
  for (uint32_t pass = 0; pass < (adj ? 2u : 1u); pass++) {
    for (uint32_t k = 0; k < r->nact; k++) {
      uint32_t w = r->act[k];
      uint64_t a = r->A[w];
      if (!(a & r->xsrc[w])) continue;
      const bnfa_word_t *t = &r->wt[w];
      const bnfa_entry_t *e = bnfa_entries(r, t->x_off);
      for (uint32_t j = 0; j < t->x_cnt; j++) {
        if (!(a & e[j].src) || !((e[j].ctx >> xc) & 1)) continue;
        uint32_t kind = e[j].ctx >> 16;
        const uint32_t *ref = (const uint32_t *)(r->blob + e[j].ref);
        if (pass == 0 && kind == BNFA_X_REPORT) {
          for (uint32_t m = 0; m < ref[0]; m++) {
            uint32_t p = ref[1 + m];
            if (!out_has(out, from, p, to) && !bnfa_in_b(r, p)) out_push(out, p, to);
          }
        } else if (pass == 1 && kind == BNFA_X_ADJ) {
          uint32_t p = ref[0], q = ref[1];
          if (!out_has(out, from, p, to) && !bnfa_in_b(r, p)) bnfa_or(r, q >> 6, 1ull << (q & 63));
        }
      }
    }
  }
}

/* Scratch layout (bitNfaScratchSize): F [W+1] u64, act [W+1] u32, dirty [W+1] u32, a spare [W+1] u32,
 * mark [W+1] u8, then (8-aligned) a copy of the bits [W] u64 for the dense engines' rare path. The scratch is
 * shared by the database's engines and the layout follows each one's W, so one engine's act or dirty list
 * lies where another keeps its marks or F: the marks are cleared here (W + 1 bytes) and F is written before
 * it is read (bnfa_or). */
static void bnfa_setup(bnfa_run_t *r, const uint8_t *blob, uint64_t *bits, uint8_t *scratch) {
  const bnfa_t *h = (const bnfa_t *)blob;
  const uint32_t W = h->words;
  r->blob = blob;
  r->W = W;
  r->nclasses = h->nclasses;
  r->cls = blob + h->classmap_off;
  r->catmap = blob + h->catmap_off;
  r->shift1 = (const uint64_t *)(blob + h->shift1_off);
  r->reach = (const uint64_t *)(blob + h->reach_off);
  r->acceptb = (const uint64_t *)(blob + h->acceptb_off);
  r->fsrc = (const uint64_t *)(blob + h->fsrc_off);
  r->xsrc = (const uint64_t *)(blob + h->xsrc_off);
  r->bpat = (const uint32_t *)(blob + h->bpat_off);
  r->wt = (const bnfa_word_t *)(blob + h->wordtab_off);
  r->teddy = h->teddy_off ? (const teddy_t *)(blob + h->teddy_off) : 0;
  r->A = bits;
  r->F = (uint64_t *)scratch;
  r->act = (uint32_t *)(scratch + 8 * (W + 1));
  r->dirty = r->act + (W + 1);
  r->mark = (uint8_t *)(r->dirty + 2 * (W + 1));
  for (uint32_t w = 0; w <= W; w++) r->mark[w] = 0;
  r->nact = r->ndirty = 0;
  for (uint32_t w = 0; w < W; w++)
    if (bits[w]) r->act[r->nact++] = w;
}

/* The rare work of a dense step (reports that needed the next symbol, `$` before a final newline), run on
 * the sparse machinery over a copy of the bits; what it adds to F comes back in `F`. */
static __attribute__((noinline)) void bnfa_dense_extra(const uint8_t *blob, const uint64_t *A, uint64_t *F, uint8_t *scratch,
                                                       uint32_t xc, int32_t to, matches_t *out, int adj) {
  const bnfa_t *h = (const bnfa_t *)blob;
  const uint32_t at = (13 * (h->words + 1) + 7) & ~7u;
  uint64_t *copy = (uint64_t *)(scratch + 8 * (h->words + 1) + at);
  for (uint32_t w = 0; w < h->words; w++) copy[w] = A[w];
  bnfa_run_t r;
  bnfa_setup(&r, blob, copy, scratch);
  bnfa_extra(&r, xc, to, out->n, out, adj);
  for (uint32_t k = 0; k < r.ndirty; k++) {
    uint32_t w = r.dirty[k];
    F[w] |= r.F[w];
    r.F[w] = 0;
    r.mark[w] = 0;
  }
}

/*
 * Work done by the bit-parallel NFAs since the last reset: words stepped, entries taken; in a skip, the words
 * moved per stride of up to 63 bytes and one per hand-over from a chain to its loop (at most one per loop, so
 * at most the entries: a stride costs no more than a step). Read by tests (a scan's work must stay within a
 * constant times its length).
 */
static double bnfa_work;
EXPORT double kernel_work(void) { return bnfa_work; }
EXPORT void kernel_work_reset(void) { bnfa_work = 0; }

/* Acceleration that skips fewer bytes than this makes the next attempt wait that many bytes. */
#define BNFA_ACCEL_MIN 16
#define BNFA_ACCEL_BACKOFF 64
/* While positions outside acceleration are alive the check is repeated after 1, 2, 4 ... bytes, at most this
 * many: in a large engine something else is nearly always alive (checking every byte cost gitleaks' 104
 * patterns a tenth of their scan), in a small one the outside bit is gone after a byte or two. */
#define BNFA_ACCEL_RECHECK 64

/*
 * Acceleration's tables (bit-nfa.ts accelerationOf): the stop bytes, the accelerated positions (chains and
 * loops), the loops, keep[k] (chain positions at least k into their chain) and exit[k] (positions of chains
 * that feed a loop, fewer than k before the chain's end), or none.
 */
typedef struct {
  const shufti_t *stop;
  const uint64_t *member, *loop, *keep, *exit;
} bnfa_accel_t;

static inline bnfa_accel_t bnfa_accel(const uint8_t *blob) {
  const bnfa_t *h = (const bnfa_t *)blob;
  bnfa_accel_t a = {0, 0, 0, 0, 0};
  if (!h->accel_off) return a;
  const uint32_t W = h->words;
  a.stop = (const shufti_t *)(blob + h->accel_off);
  a.member = (const uint64_t *)(blob + h->accel_off + 32);
  a.loop = a.member + W;
  a.keep = a.loop + W;
  a.exit = h->accel_exit_off ? (const uint64_t *)(blob + h->accel_exit_off) : 0;
  return a;
}

/*
 * The loop that the chain of position p feeds: the first position after p that is not a chain position (a
 * chain that feeds a loop ends right before it). A bit in exit[k] is fewer than 64 positions before its
 * chain's end, so this looks at two words at most.
 */
static inline uint32_t bnfa_fed_loop(const bnfa_accel_t *a, uint32_t W, uint32_t p) {
  uint32_t w = p >> 6;
  uint64_t m = ~(a->member[w] & ~a->loop[w]) & (~0ull << (p & 63));
  while (!m && ++w < W) m = ~(a->member[w] & ~a->loop[w]);
  return w * 64 + (uint32_t)__builtin_ctzll(m);
}

/*
 * Runs `body` with L the loop's position, once for each chain of word w with a bit in `hits` (bits that run
 * off the end of a chain feeding a loop during this stride of a skip); each counts one unit of work.
 */
#define BNFA_FOR_FED_LOOPS(a, W, w, hits, L, body)                                                            \
  do {                                                                                                       \
    uint64_t h_ = (hits);                                                                                    \
    while (h_) {                                                                                             \
      const uint32_t L = bnfa_fed_loop((a), (W), (w) * 64 + (uint32_t)__builtin_ctzll(h_));                   \
      body;                                                                                                  \
      bnfa_work += 1;                                                                                        \
      /* The chain's other bits give the same loop: go on after it. */                                       \
      h_ = (L >> 6) > (w) ? 0 : h_ & (~0ull << (L & 63));                                                    \
    }                                                                                                        \
  } while (0)

/* Dense engines: W (a constant where inlined) words of bits in locals. */
static inline __attribute__((always_inline)) uint32_t bnfa_dense(const uint8_t *blob, bnfa_state_t *st, const uint8_t *data,
                                                                 uint32_t len, uint8_t *scratch, matches_t *out,
                                                                 const uint32_t W) {
  const bnfa_t *h = (const bnfa_t *)blob;
  const uint8_t *cls = blob + h->classmap_off, *catmap = blob + h->catmap_off;
  const uint64_t *shift1 = (const uint64_t *)(blob + h->shift1_off), *reach = (const uint64_t *)(blob + h->reach_off);
  const uint64_t *acceptb = (const uint64_t *)(blob + h->acceptb_off), *first = (const uint64_t *)(blob + h->first_off);
  const uint64_t *fsrc = (const uint64_t *)(blob + h->fsrc_off), *xsrc = (const uint64_t *)(blob + h->xsrc_off);
  const bnfa_word_t *wt = (const bnfa_word_t *)(blob + h->wordtab_off);
  const teddy_t *teddy = h->teddy_off ? (const teddy_t *)(blob + h->teddy_off) : 0;
  const uint32_t ncl = h->nclasses, max_step = h->max_step;
  /* Acceleration: when every live bit is in a chain or a loop (bit-nfa.ts accelerationOf), skip to the next
   * stop byte (or prefilter candidate) and move the chains' bits along at once; the loops' stay. */
  const bnfa_accel_t acc = bnfa_accel(blob);
  uint64_t *bits = (uint64_t *)(st + 1);
  uint32_t accel_after = 0, recheck = 1;
  uint64_t A[BNFA_DENSE_WORDS], F[BNFA_DENSE_WORDS + 1];
  for (uint32_t w = 0; w < W; w++) A[w] = bits[w];
  uint32_t pc = st->prev;
  teddy_cursor_t cur = {0xffffffffu - 32, 0};
  /* With a prefilter, matches begin only at its candidates: first positions are added there alone, also
   * while other bits are alive. `cand` is the next candidate at or after i. */
  uint32_t cand = teddy ? teddy_next(teddy, data, 0, len, &cur) : 0;
  uint32_t i = 0;
  while (i < len) {
    uint64_t any = 0;
    for (uint32_t w = 0; w < W; w++) any |= A[w];
    if (!any && teddy) {
      uint32_t c = cand;
      if (c >= len) {
        pc = catmap[data[len - 1]];
        i = len;
        break;
      }
      if (c != i) pc = catmap[data[c - 1]];
      i = c;
    } else if (any && acc.stop && i >= accel_after) {
      uint64_t outside = 0;
      for (uint32_t w = 0; w < W; w++) outside |= A[w] & ~acc.member[w];
      if (!outside) {
        recheck = 1;
        /* First positions are added only at prefilter candidates: with one, the skip ends at the next. */
        uint32_t j = shufti_next(acc.stop, data, i, teddy && cand < len ? cand : len);
        /* A short skip does not pay for the search: back off before trying again. */
        if (j - i < BNFA_ACCEL_MIN) accel_after = i + BNFA_ACCEL_BACKOFF;
        for (uint32_t k = j - i; k > 0;) {
          const uint32_t kk = k > 63 ? 63 : k;
          const uint64_t *mask = acc.keep + kk * W, *lp = acc.loop;
          uint64_t H[BNFA_DENSE_WORDS], hit = 0;
          if (acc.exit)
            for (uint32_t w = 0; w < W; w++) hit |= H[w] = A[w] & acc.exit[kk * W + w];
          /* Descending, so that A[w - 1] is still the old word when A[w] takes its high bits. */
          for (uint32_t w = W; w-- > 0;) {
            const uint64_t c = A[w] & ~lp[w], below = w > 0 ? A[w - 1] & ~lp[w - 1] : 0;
            A[w] = (((c << kk) | (below >> (64 - kk))) & mask[w]) | (A[w] & lp[w]);
          }
          bnfa_work += W;
          if (UNLIKELY(hit))
            for (uint32_t w = 0; w < W; w++) BNFA_FOR_FED_LOOPS(&acc, W, w, H[w], L, A[L >> 6] |= 1ull << (L & 63));
          k -= kk;
        }
        if (j != i) pc = catmap[data[j - 1]];
        i = j;
        if (i >= len) break;
        if (teddy && cand < i) cand = teddy_next(teddy, data, i, len, &cur);
        any = 0;
        for (uint32_t w = 0; w < W; w++) any |= A[w];
      } else {
        accel_after = i + recheck;
        if (recheck < BNFA_ACCEL_RECHECK) recheck <<= 1;
      }
    }
    if (UNLIKELY(out->cap - out->n < max_step)) {
      stop_reason = STOP_FULL;
      for (uint32_t w = 0; w < W; w++) bits[w] = A[w];
      st->prev = pc;
      return i;
    }
    const uint8_t byte = data[i];
    const uint32_t c = cls[byte], nc = catmap[byte] - 1;
    bnfa_work += W;
    for (uint32_t w = 0; w <= W; w++) F[w] = 0;
    if (any) {
      const uint32_t xc = (pc - 1) * 4 + nc;
      uint64_t xhit = 0;
      for (uint32_t w = 0; w < W; w++) xhit |= A[w] & xsrc[w];
      if (UNLIKELY(xhit)) bnfa_dense_extra(blob, A, F, scratch, xc, (int32_t)i, out, byte == 0x0a);
      for (uint32_t w = 0; w < W; w++) {
        const uint64_t a = A[w];
        const uint64_t t = a & shift1[w];
        F[w] |= t << 1;
        F[w + 1] |= t >> 63;
        if (a & fsrc[w]) {
          const bnfa_entry_t *e = (const bnfa_entry_t *)(blob + wt[w].f_off);
          for (uint32_t j = 0; j < wt[w].f_cnt; j++) {
            if (((e[j].takes[byte >> 3] >> (byte & 7)) & 1) && (a & e[j].src) && ((e[j].ctx >> xc) & 1)) {
              const uint64_t *tg = (const uint64_t *)(blob + e[j].ref);
              for (uint32_t v = 0; v < W; v++) F[v] |= tg[v];
              bnfa_work += 1;
            }
          }
        }
      }
    }
    const uint64_t *rc = reach + c * W, *fr = first + ((pc * 3 + nc) * ncl + c) * W;
    const uint64_t begin = !teddy || i == cand ? ~0ull : 0;
    if (teddy && i == cand) cand = teddy_next(teddy, data, i + 1, len, &cur);
    uint64_t hb = 0;
    for (uint32_t w = 0; w < W; w++) {
      A[w] = (F[w] & rc[w]) | (fr[w] & begin);
      hb |= A[w] & acceptb[w];
    }
    if (UNLIKELY(hb)) {
      for (uint32_t w = 0; w < W; w++) bits[w] = A[w];
      bnfa_run_t r;
      bnfa_setup(&r, blob, bits, scratch);
      bnfa_report_b(&r, (int32_t)i + 1, out);
    }
    pc = nc + 1;
    i++;
  }
  for (uint32_t w = 0; w < W; w++) bits[w] = A[w];
  st->prev = pc;
  return len;
}

/* Sparse engines: only the live words are stepped. */
static uint32_t bnfa_sparse(const uint8_t *blob, bnfa_state_t *st, const uint8_t *data, uint32_t len, uint8_t *scratch,
                            matches_t *out) {
  const bnfa_t *h = (const bnfa_t *)blob;
  bnfa_run_t r;
  bnfa_setup(&r, blob, (uint64_t *)(st + 1), scratch);
  const uint32_t W = r.W, nclasses = r.nclasses, max_step = h->max_step;
  const uint32_t *first = (const uint32_t *)(blob + h->first_off);
  const bnfa_accel_t acc = bnfa_accel(blob);
  uint32_t accel_after = 0, recheck = 1;
  uint32_t pc = st->prev;
  teddy_cursor_t cur = {0xffffffffu - 32, 0};
  /* As in the dense step: first positions only at the prefilter's candidates. */
  uint32_t cand = r.teddy ? teddy_next(r.teddy, data, 0, len, &cur) : 0;
  uint32_t i = 0;
  while (i < len) {
    if (r.nact == 0 && r.teddy) {
      uint32_t c = cand;
      if (c >= len) {
        pc = r.catmap[data[len - 1]];
        i = len;
        break;
      }
      if (c != i) pc = r.catmap[data[c - 1]];
      i = c;
    } else if (r.nact && acc.stop && i >= accel_after) {
      /* Acceleration, as in the dense step: chain bits move along their chains at once, loop bits stay. */
      uint64_t outside = 0;
      for (uint32_t k = 0; k < r.nact; k++) outside |= r.A[r.act[k]] & ~acc.member[r.act[k]];
      if (!outside) {
        recheck = 1;
        uint32_t j = shufti_next(acc.stop, data, i, r.teddy && cand < len ? cand : len);
        if (j - i < BNFA_ACCEL_MIN) accel_after = i + BNFA_ACCEL_BACKOFF;
        for (uint32_t k = j - i; k > 0 && r.nact;) {
          const uint32_t kk = k > 63 ? 63 : k;
          const uint64_t *mask = acc.keep + kk * W;
          bnfa_work += r.nact;
          for (uint32_t m = 0; m < r.nact; m++) {
            const uint32_t w = r.act[m];
            const uint64_t a = r.A[w], lp = a & acc.loop[w], c = a & ~lp;
            r.A[w] = 0;
            if (lp) bnfa_or(&r, w, lp);
            if (c) {
              bnfa_or(&r, w, (c << kk) & mask[w]);
              if (w + 1 < W && ((c >> (64 - kk)) & mask[w + 1])) bnfa_or(&r, w + 1, (c >> (64 - kk)) & mask[w + 1]);
            }
            if (acc.exit && UNLIKELY(c & acc.exit[kk * W + w]))
              BNFA_FOR_FED_LOOPS(&acc, W, w, c & acc.exit[kk * W + w], L, bnfa_or(&r, L >> 6, 1ull << (L & 63)));
          }
          r.nact = 0;
          for (uint32_t m = 0; m < r.ndirty; m++) {
            const uint32_t w = r.dirty[m];
            const uint64_t v = r.F[w];
            r.F[w] = 0;
            r.mark[w] = 0;
            if (v) {
              r.A[w] = v;
              r.act[r.nact++] = w;
            }
          }
          r.ndirty = 0;
          k -= kk;
        }
        if (j != i) pc = r.catmap[data[j - 1]];
        i = j;
        if (i >= len) break;
        if (r.teddy && cand < i) cand = teddy_next(r.teddy, data, i, len, &cur);
      } else {
        accel_after = i + recheck;
        if (recheck < BNFA_ACCEL_RECHECK) recheck <<= 1;
      }
    }
    if (UNLIKELY(out->cap - out->n < max_step)) {
      stop_reason = STOP_FULL;
      st->prev = pc;
      return i;
    }
    const uint8_t byte = data[i];
    const uint32_t c = r.cls[byte], nc = r.catmap[byte] - 1;
    bnfa_work += 1 + r.nact;
    if (r.nact) {
      const uint32_t xc = (pc - 1) * 4 + nc;
      bnfa_extra(&r, xc, (int32_t)i, out->n, out, byte == 0x0a);
      for (uint32_t k = 0; k < r.nact; k++) {
        uint32_t w = r.act[k];
        uint64_t a = r.A[w];
        uint64_t t = a & r.shift1[w];
        if (t) {
          bnfa_or(&r, w, t << 1);
          if (t >> 63) bnfa_or(&r, w + 1, 1);
        }
        if (a & r.fsrc[w]) {
          const bnfa_word_t *wt = &r.wt[w];
          const bnfa_entry_t *e = bnfa_entries(&r, wt->f_off);
          for (uint32_t j = 0; j < wt->f_cnt; j++)
            if (((e[j].takes[byte >> 3] >> (byte & 7)) & 1) && (a & e[j].src) && ((e[j].ctx >> xc) & 1)) {
              bnfa_or_sparse(&r, e[j].ref);
              bnfa_work += 1;
            }
        }
        r.A[w] = 0;
      }
    }
    /* The new state: what the byte's class lets through, then the first positions it begins. */
    const uint64_t *reach = r.reach + c * W;
    r.nact = 0;
    for (uint32_t k = 0; k < r.ndirty; k++) {
      uint32_t w = r.dirty[k];
      uint64_t v = r.F[w] & reach[w];
      r.F[w] = 0;
      r.mark[w] = 0;
      if (v) {
        r.A[w] = v;
        r.act[r.nact++] = w;
      }
    }
    r.ndirty = 0;
    if (!r.teddy || i == cand) {
      if (r.teddy) cand = teddy_next(r.teddy, data, i + 1, len, &cur);
      const uint32_t *s = (const uint32_t *)(blob + first[(pc * 3 + nc) * nclasses + c]);
      const bnfa_rec_t *rec = (const bnfa_rec_t *)(s + 2);
      bnfa_work += s[0];
      for (uint32_t j = 0; j < s[0]; j++) {
        uint32_t w = rec[j].word;
        if (!r.A[w]) r.act[r.nact++] = w;
        r.A[w] |= rec[j].mask;
      }
    }
    uint64_t hb = 0;
    for (uint32_t k = 0; k < r.nact; k++) hb |= r.A[r.act[k]] & r.acceptb[r.act[k]];
    if (UNLIKELY(hb)) bnfa_report_b(&r, (int32_t)i + 1, out);
    pc = nc + 1;
    i++;
  }
  st->prev = pc;
  return len;
}

/*
 * Scans data[0, len) from the state in *st. `scratch` is bitNfaScratchSize(words) bytes, whatever they hold
 * (bnfa_setup). Returns len, or the index where the match buffer ran short of room for
 * one step's reports (the state is the one before that byte: call again from there).
 */
EXPORT uint32_t bnfa_scan(const uint8_t *blob, bnfa_state_t *st, const uint8_t *data, uint32_t len, uint8_t *scratch,
                          matches_t *out) {
  const bnfa_t *h = (const bnfa_t *)blob;
  if (!h->dense) return bnfa_sparse(blob, st, data, len, scratch, out);
  switch (h->words) {
    case 1:
      return bnfa_dense(blob, st, data, len, scratch, out, 1);
    case 2:
      return bnfa_dense(blob, st, data, len, scratch, out, 2);
    case 3:
      return bnfa_dense(blob, st, data, len, scratch, out, 3);
    case 4:
      return bnfa_dense(blob, st, data, len, scratch, out, 4);
    default:
      return bnfa_dense(blob, st, data, len, scratch, out, h->words);
  }
}

/* End of data: what it completes (reports that needed the end, `$` before a final newline). 0: no room. */
EXPORT uint32_t bnfa_eod(const uint8_t *blob, bnfa_state_t *st, uint32_t len, uint8_t *scratch, matches_t *out) {
  const bnfa_t *h = (const bnfa_t *)blob;
  if (out->cap - out->n < h->max_step) return 0;
  bnfa_run_t r;
  bnfa_setup(&r, blob, (uint64_t *)(st + 1), scratch);
  if (r.nact == 0 || st->prev == CAT_START) return 1;
  const uint32_t from = out->n;
  bnfa_extra(&r, (st->prev - 1) * 4 + 3, (int32_t)len, from, out, 0);
  const uint32_t *adj = (const uint32_t *)(blob + h->adj_off);
  for (uint32_t j = 0; j < adj[0]; j++) {
    uint32_t q = adj[1 + 2 * j], p = adj[2 + 2 * j];
    if ((r.A[q >> 6] >> (q & 63)) & 1) {
      if (!out_has(out, from, p, (int32_t)len - 1)) out_push(out, p, (int32_t)len - 1);
    }
  }
  return 1;
}
