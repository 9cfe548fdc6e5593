/*
 * Native Hyperscan as the reference of the regex differential tests (test/regex/hyperscan-reference.ts builds
 * and drives it). It reads cases on standard input and writes one JSON line per case on standard output.
 *
 * Input, one record per line, every string hex-encoded so that any byte survives:
 *   P <id> <flags> <hex expression>   add a pattern (flags: Hyperscan's letters i s m H L V 8 W P, or "-" for none)
 *   D <hex data>                      the data to scan ("-" for empty)
 *   C <n,n,...>                       chunk lengths for stream and vectored mode ("-" for one chunk)
 *   R                                 run the case: compile block, stream and vectored databases, scan, forget
 *
 * Output per case: {"error":"message","index":i} when a database does not compile (i is the pattern's index in
 * the case, -1 for the set), else {"block":[[id,from,to],...],"stream":[...],"vectored":[...]} with every match
 * in the order Hyperscan reported it (stream: chunk by chunk, then hs_close_stream).
 */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERNS 256
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

int main(void) {
  static char line[MAX_LINE];
  static char data[MAX_LINE];
  char *exprs[MAX_PATTERNS];
  unsigned flags[MAX_PATTERNS], ids[MAX_PATTERNS];
  size_t cuts[4096];
  unsigned n = 0, ncuts = 0;
  size_t dlen = 0;
  int som = 0;
  if (hs_valid_platform() != HS_SUCCESS) {
    printf("{\"error\":\"this CPU cannot run Hyperscan\",\"index\":-1}\n");
    return 2;
  }
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0] == 'P' && n < MAX_PATTERNS) {
      unsigned id;
      char fl[32], hexexpr[MAX_LINE / 2];
      if (sscanf(line, "P %u %31s %s", &id, fl, hexexpr) != 3) continue;
      exprs[n] = malloc(strlen(hexexpr) / 2 + 1);
      exprs[n][unhex(hexexpr, exprs[n])] = 0;
      flags[n] = flag_bits(fl);
      if (flags[n] & HS_FLAG_SOM_LEFTMOST) som = 1;
      ids[n++] = id;
    } else if (line[0] == 'D') {
      dlen = unhex(line + 2, data);
    } else if (line[0] == 'C') {
      ncuts = 0;
      if (strcmp(line + 2, "-") != 0)
        for (char *tok = strtok(line + 2, ","); tok && ncuts < 4096; tok = strtok(NULL, ",")) cuts[ncuts++] = (size_t)atol(tok);
    } else if (line[0] == 'R') {
      if (ncuts == 0) cuts[ncuts++] = dlen;
      hs_database_t *block = build(exprs, flags, ids, n, HS_MODE_BLOCK);
      hs_database_t *stream = block ? build(exprs, flags, ids, n, HS_MODE_STREAM | (som ? HS_MODE_SOM_HORIZON_LARGE : 0)) : NULL;
      hs_database_t *vectored = stream ? build(exprs, flags, ids, n, HS_MODE_VECTORED) : NULL;
      if (vectored) {
        hs_scratch_t *scratch = NULL;
        hs_alloc_scratch(block, &scratch);
        hs_alloc_scratch(stream, &scratch);
        hs_alloc_scratch(vectored, &scratch);
        text_t t = {0};
        put(&t, "{\"block\":[");
        hs_scan(block, data, (unsigned)dlen, 0, scratch, on_match, &t);
        put(&t, "],\"stream\":[");
        hs_stream_t *s = NULL;
        hs_open_stream(stream, 0, &s);
        const char *ptrs[4096];
        unsigned lens[4096];
        size_t at = 0;
        for (unsigned i = 0; i < ncuts; i++) {
          size_t len = cuts[i] > dlen - at ? dlen - at : cuts[i];
          hs_scan_stream(s, data + at, (unsigned)len, 0, scratch, on_match, &t);
          ptrs[i] = data + at;
          lens[i] = (unsigned)len;
          at += len;
        }
        hs_close_stream(s, scratch, on_match, &t);
        put(&t, "],\"vectored\":[");
        hs_scan_vector(vectored, ptrs, lens, ncuts, 0, scratch, on_match, &t);
        put(&t, "]}");
        puts(t.buf);
        free(t.buf);
        hs_free_scratch(scratch);
      }
      if (block) hs_free_database(block);
      if (stream) hs_free_database(stream);
      if (vectored) hs_free_database(vectored);
      for (unsigned i = 0; i < n; i++) free(exprs[i]);
      n = 0;
      ncuts = 0;
      dlen = 0;
      som = 0;
    }
    fflush(stdout);
  }
  return 0;
}
