/*
 * Binary layout of the tables the compiler (src/regex/layout.ts) writes and the kernel (kernel.c) reads.
 * Keep the two files in step: every offset here has its twin there. All integers are little-endian; every
 * table offset is relative to the start of its engine's blob, so a blob can be copied anywhere (and
 * serialized) unchanged.
 */
#ifndef NETSIEVE_LAYOUT_H
#define NETSIEVE_LAYOUT_H
#include <stdint.h>

#define ENGINE_DFA 1
#define ENGINE_LIT 2
#define ENGINE_BNFA 3

/* ---- DFA blob header (64 bytes) ---- */
typedef struct {
  uint32_t kind;         /* ENGINE_DFA */
  uint32_t nstates;
  uint32_t shift;        /* row width = 1 << shift classes */
  uint32_t special_base; /* states >= special_base have a special record */
  uint32_t trans_off;    /* uint16_t or uint32_t [nstates << shift] */
  uint32_t wide;         /* 0: uint16_t transitions, 1: uint32_t */
  uint32_t classmap_off; /* uint8_t [256]: byte -> class */
  uint32_t spec_off;     /* spec_t [nstates - special_base] */
  uint32_t eod_off;      /* uint32_t [nstates]: report list offset at end of data, 0 = none */
  uint32_t start_off;    /* uint32_t [4]: quiescent state per category of the previous byte */
  uint32_t catmap_off;   /* uint8_t [256]: byte -> category (CAT_NL, CAT_WORD, CAT_OTHER) */
  uint32_t teddy_off;    /* teddy_t, 0 = no prefilter */
  uint32_t blob_size;
  uint32_t spec_base;    /* spec record of state s is specs[s - spec_base] (special_base when eager, 0 when lazy) */
  uint32_t image_off;    /* lazy DFA: uint8_t [nstates][image_size], what a stream saves of state s; 0 = eager */
  uint32_t image_size;
} dfa_t;

/* A lazy DFA's transition not built yet: the scan stops and the caller builds it (src/regex/lazy-dfa.ts). */
#define DFA_MISS16 0xFFFFu
#define DFA_MISS32 0xFFFFFFFFu

/* Why the last dfa_scan stopped before the end of its data (read with dfa_stop_reason()). */
#define STOP_FULL 1 /* the match buffer has no room for the next state's reports */
#define STOP_MISS 2 /* a transition of a lazy DFA is missing */

#define SPEC_REPORT 1u    /* entering the state reports its list */
#define SPEC_QUIESCENT 2u /* no thread alive: skip to the next prefilter candidate (or accelerate) */
#define SPEC_ACCEL 4u     /* bytes outside accel's set keep the state: skip them with SIMD */

typedef struct {
  uint32_t flags;
  uint32_t report_off; /* report list: uint32_t n, then n x report_t */
  uint32_t accel_off;  /* shufti_t */
  uint32_t reserved;
} spec_t;

typedef struct {
  uint32_t pattern;
  int32_t adjust; /* to = index of the byte just consumed (or the length at EOD) + adjust */
} report_t;

/* One-position nibble masks: a byte b may be in the set if lo[b & 15] & hi[b >> 4] != 0. */
typedef struct {
  uint8_t lo[16];
  uint8_t hi[16];
} shufti_t;

/* Multi-position prefilter (Teddy-like): candidate at i if for some bucket bit, every position j < k
 * has lo[j][data[i+j] & 15] & hi[j][data[i+j] >> 4] with that bit. */
typedef struct {
  uint32_t k;
  uint32_t reserved[3];
  shufti_t pos[4];
} teddy_t;

#define CAT_START 0
#define CAT_NL 1
#define CAT_WORD 2
#define CAT_OTHER 3

/* Per-stream state of a DFA engine. A lazy DFA's continues with the table epoch (u32, kept by the caller)
 * and the state's image (image_size bytes, copied by dfa_scan from the table). */
typedef struct {
  uint32_t state;
} dfa_state_t;

/* ---- literal engine blob header (80 bytes) ---- */
typedef struct {
  uint32_t kind;        /* ENGINE_LIT */
  uint32_t nlits;
  uint32_t stride;      /* aligned positions are multiples of stride (stream offsets) */
  uint32_t lmin;
  uint32_t lmax;
  uint32_t bitmap_bits; /* log2 of the bitmap size in bits */
  uint32_t bitmap_off;  /* uint8_t [1 << bitmap_bits >> 3] */
  uint32_t csr_off;     /* uint32_t [LIT_BUCKETS + 1]: entries of bucket b are entries[csr[b]..csr[b+1]) */
  uint32_t entries_off; /* lit_entry_t [] */
  uint32_t lits_off;    /* lit_t [nlits] */
  uint32_t hist_size;   /* bytes of history a stream keeps (reach + max_offset + 1 + LIT_WINDOW) */
  uint32_t blob_size;
  uint32_t max_bucket;  /* most entries one hash bucket holds: the room one tested offset may need */
  uint32_t window;      /* bytes hashed at each tested offset, 4 .. LIT_WINDOW; stride = lmin - window + 1 */
  uint32_t max_offset;  /* the furthest a registered window starts into its literal (>= stride - 1) */
  uint32_t bitmap2_off; /* the second filter: a bitmap as large, on the hash bits below the first's */
  uint32_t reach;       /* the furthest a literal found from a tested offset q ends: max(len - offset) <= lmax */
  uint32_t reserved[3];
} lit_engine_t;

typedef struct {
  uint32_t lit;      /* index into lits */
  uint16_t offset;   /* the window starts this many bytes into the literal */
  uint16_t check_at; /* where in the literal the pre-check word is */
  uint32_t check;    /* the literal's 4 bytes at check_at (lower-cased where caseless) ... */
  uint32_t mask;     /* ... and their fold masks: (4 data bytes | mask) == check, or it is not this literal */
} lit_entry_t;

typedef struct {
  uint32_t pattern;
  uint32_t len;
  uint32_t bytes_off; /* len bytes (lower-cased where caseless), then len fold masks (0x20 or 0) */
  uint32_t reserved;
} lit_t;

#define LIT_HASH_MUL64 0x9E3779B97F4A7C15ull
/* Bytes loaded at each tested offset: the longest hashed window (an engine may hash fewer, masking the rest). */
#define LIT_WINDOW 8
/* Buckets of the entry index: few enough that the index stays in cache (16 KiB). */
#define LIT_BUCKET_BITS 12
#define LIT_BUCKETS (1u << LIT_BUCKET_BITS)
/* The bucket of a window hash h (64 bits; the bitmap takes its top bits, the bucket bits 20..31). */
#define LIT_BUCKET(h) ((uint32_t)((h) >> 20) & (LIT_BUCKETS - 1))

/* Per-stream state of a literal engine (followed by hist_size bytes of history). */
typedef struct {
  double next_q;        /* next aligned stream offset to test */
  double verified_upto; /* matches ending at or before it were already reported */
  uint32_t hist_len;
  uint32_t reserved;
} lit_state_t;

/* ---- bit-parallel NFA blob header (96 bytes; src/regex/bit-nfa.ts) ---- */
typedef struct {
  uint32_t kind;         /* ENGINE_BNFA */
  uint32_t npos;         /* positions (bits of the state) */
  uint32_t words;        /* 64-bit words of the state */
  uint32_t nclasses;
  uint32_t classmap_off; /* uint8_t [256]: byte -> class */
  uint32_t catmap_off;   /* uint8_t [256]: byte -> category */
  uint32_t shift1_off;   /* uint64_t [words]: positions followed by the next one */
  uint32_t reach_off;    /* uint64_t [nclasses][words]: positions whose byte set has the class */
  uint32_t acceptb_off;  /* uint64_t [words]: positions that report on consuming their byte */
  uint32_t bpat_off;     /* uint32_t [npos]: their pattern list (u32 n, n x u32), 0 = none */
  uint32_t wordtab_off;  /* bnfa_word_t [words] */
  uint32_t first_off;    /* by start context and class, the first positions the byte reaches: dense, uint64_t
                          * [12][nclasses][words]; sparse, uint32_t [12][nclasses] offsets of sparse sets */
  uint32_t teddy_off;    /* teddy_t on the patterns' first bytes, 0 = none */
  uint32_t blob_size;
  uint32_t adj_off;      /* u32 n, then n x { u32 position, u32 pattern }: `$` before a final newline */
  uint32_t max_step;     /* the most reports one step makes */
  uint32_t dense;        /* 1: words <= BNFA_DENSE_WORDS, targets and first sets stored as dense words */
  uint32_t fsrc_off;     /* uint64_t [words]: per word, the union of its follow entries' sources */
  uint32_t xsrc_off;     /* uint64_t [words]: per word, the union of its extra entries' sources */
  uint32_t accel_off;    /* shufti_t stop, uint64_t member[words] (chain and loop positions), uint64_t
                          * loop[words], uint64_t keep[64][words]; 0 = none */
  uint32_t accel_exit_off; /* uint64_t exit[64][words]: chain positions whose bit reaches the loop the chain
                            * feeds within k bytes; 0 = no chain feeds a loop */
  uint32_t reserved[3];
} bnfa_t;

/* Engines of at most this many words run the dense step (every word, no live list). */
#define BNFA_DENSE_WORDS 8

/* A word's entries: follow entries (f_cnt at f_off), then extra entries (x_cnt at x_off). */
typedef struct {
  uint32_t f_off, f_cnt, x_off, x_cnt;
} bnfa_word_t;

/* Taken when (state word & src) != 0 and bit `context` of ctx is set. Follow: ref is the positions to add
 * (dense: uint64_t [words]; sparse: a sparse set). Extra: kind (ctx >> 16) BNFA_X_REPORT (ref: pattern list reported at the next byte's
 * index) or BNFA_X_ADJ (ref: { u32 pattern, u32 position }). */
typedef struct {
  uint64_t src;
  uint32_t ctx;
  uint32_t ref;
  uint8_t takes[32]; /* follow: the bytes its targets take (a bit per byte); other bytes pass it over */
} bnfa_entry_t;

#define BNFA_X_REPORT 1u
#define BNFA_X_ADJ 2u

/* A sparse position set: u32 n, u32 pad, then n of these. */
typedef struct {
  uint32_t word;
  uint32_t pad;
  uint64_t mask;
} bnfa_rec_t;

/* Per-stream state of a bit-parallel NFA: the category of the last byte, then uint64_t bits[words]. */
typedef struct {
  uint32_t prev;
  uint32_t pad;
} bnfa_state_t;

/* ---- the match buffer the kernel appends to ---- */
typedef struct {
  uint32_t cap;
  uint32_t n;
  uint32_t reserved[2];
  /* then n x { uint32_t pattern; int32_t to; } (to relative to the chunk's first byte) */
} matches_t;

#endif
