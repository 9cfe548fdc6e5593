/*
 * Native Hyperscan as the reference of the regex differential tests (test/regex/hyperscan-reference.ts builds
 * and drives it). It reads cases on standard input and writes one JSON line per case on standard output.
 *
 * Input, one record per line, every string hex-encoded so that any byte survives:
 *   P <id> <flags> <hex expression>   add a pattern (flags: Hyperscan's letters i s m H L V 8 W P, or "-" for none)
 *   D <hex data>                      the data to scan ("-" for empty)
 *   C <n,n,...>                       chunk lengths for stream and vectored mode ("-" for one chunk)
 *   S <n,n,...>                       one more chunking, scanned in stream mode only (any number of S lines)
 *   A                                 the case has the previous case's patterns: its databases are reused
 *                                     (a large set is compiled once for many inputs and chunkings)
 *   R                                 run the case: compile block, stream and vectored databases, scan
 *
 * Output per case: {"error":"message","index":i} when a database does not compile (i is the pattern's index in
 * the case, -1 for the set), else {"block":[[id,from,to],...],"stream":[...],"vectored":[...]} with every match
 * in the order Hyperscan reported it (stream: chunk by chunk, then hs_close_stream), and, when the case had S
 * lines, "streams":[[...],...] with the stream-mode matches of each S chunking in order.
 */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERNS 65536
#define MAX_CHUNKINGS 16
/* Chunks per chunking: the data is at most MAX_LINE / 2 bytes (hex on one line). */
#define MAX_CHUNKS (MAX_LINE / 2)
#define MAX_LINE (1 << 20)

typedef struct {
  char *buf;
  size_t len, cap;
} text_t;

static void put(text_t *t, const char *s) {
  size_t n = strlen(s);
  if (t->len + n + 1 > t->cap) {
    t->cap = (t->len + n + 1) * 2;
    t->buf = realloc(t->buf, t->cap);
  }
  memcpy(t->buf + t->len, s, n + 1);
  t->len += n;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *ctx) {
  (void)flags;
  text_t *t = ctx;
  char one[80];
  snprintf(one, sizeof one, "%s[%u,%llu,%llu]", t->len > 0 && t->buf[t->len - 1] != '[' ? "," : "", id, from, to);
  put(t, one);
  return 0;
}

static size_t unhex(const char *s, char *out) {
  size_t n = 0;
  if (strcmp(s, "-") == 0) return 0;
  for (; s[0] && s[1]; s += 2) {
    unsigned v;
    sscanf(s, "%2x", &v);
    out[n++] = (char)v;
  }
  return n;
}

static unsigned flag_bits(const char *f) {
  unsigned fl = 0;
  for (; *f && *f != '-'; f++) {
    switch (*f) {
      case 'i': fl |= HS_FLAG_CASELESS; break;
      case 's': fl |= HS_FLAG_DOTALL; break;
      case 'm': fl |= HS_FLAG_MULTILINE; break;
      case 'H': fl |= HS_FLAG_SINGLEMATCH; break;
      case 'L': fl |= HS_FLAG_SOM_LEFTMOST; break;
      case 'V': fl |= HS_FLAG_ALLOWEMPTY; break;
      case '8': fl |= HS_FLAG_UTF8; break;
      case 'W': fl |= HS_FLAG_UCP; break;
      case 'P': fl |= HS_FLAG_PREFILTER; break;
      default: break;
    }
  }
  return fl;
}

static void json_text(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static hs_database_t *build(char **exprs, unsigned *flags, unsigned *ids, unsigned n, unsigned mode) {
  hs_database_t *db = NULL;
  hs_compile_error_t *err = NULL;
  if (hs_compile_multi((const char *const *)exprs, flags, ids, n, mode, NULL, &db, &err) != HS_SUCCESS) {
    printf("{\"error\":");
    json_text(err->message);
    printf(",\"index\":%d}\n", err->expression);
    hs_free_compile_error(err);
    return NULL;
  }
  return db;
}

/* Chunk lengths from "n,n,..." ("-": none); returns how many, at most `cap`. */
static size_t parse_cuts(char *text, size_t *cuts, size_t cap) {
  size_t k = 0;
  if (strcmp(text, "-") == 0) return 0;
  for (char *tok = strtok(text, ","); tok && k < cap; tok = strtok(NULL, ",")) cuts[k++] = (size_t)atol(tok);
  return k;
}

/* One stream over data cut into `ncuts` pieces (the last piece ends at dlen); appends its matches to t. */
static void scan_stream(hs_database_t *db, hs_scratch_t *scratch, const char *data, size_t dlen, const size_t *cuts, size_t ncuts, text_t *t) {
  hs_stream_t *s = NULL;
  hs_open_stream(db, 0, &s);
  size_t at = 0;
  for (size_t i = 0; i < ncuts || at < dlen; i++) {
    size_t want = i < ncuts ? cuts[i] : dlen - at;
    size_t len = want > dlen - at ? dlen - at : want;
    hs_scan_stream(s, data + at, (unsigned)len, 0, scratch, on_match, t);
    at += len;
  }
  hs_close_stream(s, scratch, on_match, t);
}

static void free_dbs(hs_database_t **dbs) {
  for (int i = 0; i < 3; i++) {
    if (dbs[i]) hs_free_database(dbs[i]);
    dbs[i] = NULL;
  }
}

int main(void) {
  static char line[MAX_LINE];
  static char data[MAX_LINE];
  static char *exprs[MAX_PATTERNS];
  static unsigned flags[MAX_PATTERNS], ids[MAX_PATTERNS];
  /* Chunkings: [0] is the C line (stream and vectored), [1..] the S lines (stream only). */
  static size_t *cuts[MAX_CHUNKINGS + 1];
  size_t ncuts[MAX_CHUNKINGS + 1] = {0};
  size_t nchunkings = 1;
  unsigned n = 0;
  size_t dlen = 0;
  int som = 0, again = 0;
  /* The last case's databases (block, stream, vectored), kept for a case that says A. */
  hs_database_t *dbs[3] = {NULL, NULL, NULL};
  const char **ptrs = malloc(sizeof(char *) * MAX_CHUNKS);
  unsigned *lens = malloc(sizeof(unsigned) * MAX_CHUNKS);
  /* Each chunking's lengths, allocated when a case first uses it. */
  for (int i = 0; i <= MAX_CHUNKINGS; i++) cuts[i] = NULL;
  if (hs_valid_platform() != HS_SUCCESS) {
    printf("{\"error\":\"this CPU cannot run Hyperscan\",\"index\":-1}\n");
    return 2;
  }
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0] == 'P' && n < MAX_PATTERNS) {
      unsigned id;
      char fl[32];
      static char hexexpr[MAX_LINE / 2];
      if (sscanf(line, "P %u %31s %s", &id, fl, hexexpr) != 3) continue;
      exprs[n] = malloc(strlen(hexexpr) / 2 + 1);
      exprs[n][unhex(hexexpr, exprs[n])] = 0;
      flags[n] = flag_bits(fl);
      if (flags[n] & HS_FLAG_SOM_LEFTMOST) som = 1;
      ids[n++] = id;
    } else if (line[0] == 'A') {
      again = 1;
    } else if (line[0] == 'D') {
      dlen = unhex(line + 2, data);
    } else if (line[0] == 'C' || (line[0] == 'S' && nchunkings <= MAX_CHUNKINGS)) {
      size_t k = line[0] == 'C' ? 0 : nchunkings++;
      if (!cuts[k]) cuts[k] = malloc(sizeof(size_t) * MAX_CHUNKS);
      ncuts[k] = parse_cuts(line + 2, cuts[k], MAX_CHUNKS);
    } else if (line[0] == 'R') {
      if (!cuts[0]) cuts[0] = malloc(sizeof(size_t) * MAX_CHUNKS);
      if (ncuts[0] == 0) cuts[0][ncuts[0]++] = dlen;
      if (!again || !dbs[2]) {
        free_dbs(dbs);
        dbs[0] = build(exprs, flags, ids, n, HS_MODE_BLOCK);
        dbs[1] = dbs[0] ? build(exprs, flags, ids, n, HS_MODE_STREAM | (som ? HS_MODE_SOM_HORIZON_LARGE : 0)) : NULL;
        dbs[2] = dbs[1] ? build(exprs, flags, ids, n, HS_MODE_VECTORED) : NULL;
      }
      if (dbs[2]) {
        hs_scratch_t *scratch = NULL;
        hs_alloc_scratch(dbs[0], &scratch);
        hs_alloc_scratch(dbs[1], &scratch);
        hs_alloc_scratch(dbs[2], &scratch);
        text_t t = {0};
        put(&t, "{\"block\":[");
        hs_scan(dbs[0], data, (unsigned)dlen, 0, scratch, on_match, &t);
        put(&t, "],\"stream\":[");
        scan_stream(dbs[1], scratch, data, dlen, cuts[0], ncuts[0], &t);
        put(&t, "],\"vectored\":[");
        size_t at = 0;
        for (size_t i = 0; i < ncuts[0]; i++) {
          size_t len = cuts[0][i] > dlen - at ? dlen - at : cuts[0][i];
          ptrs[i] = data + at;
          lens[i] = (unsigned)len;
          at += len;
        }
        hs_scan_vector(dbs[2], ptrs, lens, (unsigned)ncuts[0], 0, scratch, on_match, &t);
        put(&t, "]");
        if (nchunkings > 1) {
          put(&t, ",\"streams\":[");
          for (size_t k = 1; k < nchunkings; k++) {
            put(&t, k > 1 ? ",[" : "[");
            scan_stream(dbs[1], scratch, data, dlen, cuts[k], ncuts[k], &t);
            put(&t, "]");
          }
          put(&t, "]");
        }
        put(&t, "}");
        puts(t.buf);
        free(t.buf);
        hs_free_scratch(scratch);
      }
      for (unsigned i = 0; i < n; i++) free(exprs[i]);
      n = 0;
      ncuts[0] = 0;
      nchunkings = 1;
      dlen = 0;
      som = 0;
      again = 0;
    }
    fflush(stdout);
  }
  free_dbs(dbs);
  return 0;
}
