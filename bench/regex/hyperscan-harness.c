/*
 * Native Hyperscan on the regex benchmark's inputs: the reference netsieve's engine is measured against.
 * Built and run by bench/regex/hyperscan.ts (cc -O2 hyperscan-harness.c -lhs, into the temp directory).
 *
 *   harness [--passes N] [--chunk N] [--large N] [--compiles N] [--db-cache DIR] PATTERNS CORPUS
 *                                                                                 timings, JSON on stdout
 *   harness --list PATTERNS CORPUS                                                every match, "id from to" lines
 *   harness --check PATTERNS                                                      which patterns compile alone
 *   harness --version                                                             hs_version()
 *
 * PATTERNS holds one pattern per line, "id:flags:expression" (flag letters i s m H L as in Hyperscan's own
 * tools; the expression is everything after the second colon). CORPUS is the raw bytes to scan.
 *
 * Timing mode compiles a block database and a stream database (median of --compiles compilations each), then
 * scans the corpus in three ways: block mode (one hs_scan over the whole corpus), stream mode in --chunk-byte
 * pieces (a TCP segment's payload) and in --large-byte pieces (a reassembled read), each piece one
 * hs_scan_stream call, one stream per pass, closed with hs_close_stream so end-anchored matches are reported.
 * One untimed warm-up pass per mode, then --passes timed passes. The match callback counts matches in total and
 * per pattern id, and sums each pattern's start and end offsets: the same work netsieve's callback does in the
 * suite, so the two are timed alike. "perId" in the output maps an id to [count, sum of from, sum of to].
 *
 * --db-cache DIR keeps the compiled databases in DIR (serialized, with the median compile time measured), named
 * by a hash of the pattern file: a later run on the same patterns loads them instead of compiling again and
 * reports the time measured then ("cached": true). A large set (CRS's block database takes minutes) is then
 * compiled once for all its corpora; the caller gives each benchmark run its own DIR, so no figure outlives
 * the run that measured it.
 *
 * Check mode compiles each pattern on its own, in block mode and then in stream mode (with a large SOM horizon
 * when it has L), and prints one JSON line per pattern: {"id":N} when both compile, else {"id":N,"error":"..."}
 * with Hyperscan's message (bench/regex/real-sets.ts keeps only what native Hyperscan takes).
 *
 * Errors (a pattern Hyperscan refuses, a missing file) print {"error": ...} and exit with status 2.
 */
#define _POSIX_C_SOURCE 199309L
#include <errno.h>
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the match callback keeps: counts, and per pattern the sums of start and end offsets, an
 * order-independent fingerprint of where the matches are (the suite compares netsieve's with it). */
typedef struct {
  unsigned long long total;
  unsigned long long *per_id; /* 3 per pattern id (count, sum of from, sum of to), indexed by id * 3 */
  FILE *list;                 /* --list: where each match is printed, else NULL */
} counts_t;

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

static void fail(const char *what, const char *detail, long pattern_id) {
  printf("{\"error\":");
  json_string(stdout, what);
  if (detail) {
    printf(",\"detail\":");
    json_string(stdout, detail);
  }
  if (pattern_id >= 0) printf(",\"patternId\":%ld", pattern_id);
  printf("}\n");
  exit(2);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *xs, int n) {
  double *s = malloc(sizeof(double) * (size_t)n);
  memcpy(s, xs, sizeof(double) * (size_t)n);
  qsort(s, (size_t)n, sizeof(double), cmp_double);
  double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  free(s);
  return m;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) fail("cannot open file", path, -1);
  if (fseek(f, 0, SEEK_END) != 0) fail("cannot seek file", path, -1);
  long n = ftell(f);
  if (n < 0) fail("cannot size file", path, -1);
  rewind(f);
  char *buf = malloc((size_t)n + 1);
  if (!buf) fail("out of memory reading", path, -1);
  if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) fail("short read", path, -1);
  fclose(f);
  buf[n] = 0;
  *len = (size_t)n;
  return buf;
}

typedef struct {
  unsigned count;
  const char **expressions;
  unsigned *flags;
  unsigned *ids;
  unsigned max_id;
  int any_som;
} patterns_t;

static patterns_t parse_patterns(char *text) {
  patterns_t p = {0};
  unsigned cap = 0;
  for (char *line = text; line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = 0;
    if (*line == 0) {
      line = next;
      continue;
    }
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) fail("pattern line is not id:flags:expression", line, -1);
    *c1 = 0;
    *c2 = 0;
    char *end;
    errno = 0;
    unsigned long id = strtoul(line, &end, 10);
    if (errno || *end || id > 10000000) fail("bad pattern id", line, -1);
    unsigned fl = 0;
    for (const char *f = c1 + 1; *f; f++) {
      switch (*f) {
        case 'i': fl |= HS_FLAG_CASELESS; break;
        case 's': fl |= HS_FLAG_DOTALL; break;
        case 'm': fl |= HS_FLAG_MULTILINE; break;
        case 'H': fl |= HS_FLAG_SINGLEMATCH; break;
        case 'L': fl |= HS_FLAG_SOM_LEFTMOST; p.any_som = 1; break;
        case 'V': fl |= HS_FLAG_ALLOWEMPTY; break;
        case '8': fl |= HS_FLAG_UTF8; break;
        case 'W': fl |= HS_FLAG_UCP; break;
        default: fail("unknown flag letter", c1 + 1, (long)id);
      }
    }
    if (p.count == cap) {
      cap = cap ? cap * 2 : 64;
      p.expressions = realloc(p.expressions, sizeof(char *) * cap);
      p.flags = realloc(p.flags, sizeof(unsigned) * cap);
      p.ids = realloc(p.ids, sizeof(unsigned) * cap);
    }
    p.expressions[p.count] = c2 + 1;
    p.flags[p.count] = fl;
    p.ids[p.count] = (unsigned)id;
    if (id > p.max_id) p.max_id = (unsigned)id;
    p.count++;
    line = next;
  }
  if (p.count == 0) fail("no patterns", NULL, -1);
  return p;
}

static hs_database_t *compile(const patterns_t *p, unsigned mode, double *seconds) {
  hs_database_t *db = NULL;
  hs_compile_error_t *err = NULL;
  double t0 = now();
  if (hs_compile_multi(p->expressions, p->flags, p->ids, p->count, mode, NULL, &db, &err) != HS_SUCCESS) {
    long id = err->expression >= 0 ? (long)p->ids[err->expression] : -1;
    fail(mode & HS_MODE_STREAM ? "hs_compile_multi (stream) failed" : "hs_compile_multi (block) failed", err->message, id);
  }
  *seconds = now() - t0;
  return db;
}

/* FNV-1a over the pattern file: names the --db-cache files of one pattern set. */
static unsigned long long fnv1a(const char *s, size_t n) {
  unsigned long long h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

/* A database --db-cache kept, and the compile time stored with it; NULL when there is none (or it does not load). */
static hs_database_t *cache_load(const char *path, double *seconds) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fclose(f);
  size_t n;
  char *buf = read_file(path, &n);
  hs_database_t *db = NULL;
  if (n > sizeof(double)) {
    memcpy(seconds, buf, sizeof(double));
    if (hs_deserialize_database(buf + sizeof(double), n - sizeof(double), &db) != HS_SUCCESS) db = NULL;
  }
  free(buf);
  return db;
}

/* Stores a database and its compile time for cache_load (under a private name, then renamed). */
static void cache_store(const char *path, const hs_database_t *db, double seconds) {
  char *bytes = NULL;
  size_t n = 0;
  if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS) return;
  char partial[4200];
  snprintf(partial, sizeof partial, "%s.%ld.tmp", path, (long)getpid());
  FILE *f = fopen(partial, "wb");
  if (f) {
    int ok = fwrite(&seconds, sizeof seconds, 1, f) == 1 && fwrite(bytes, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (ok) rename(partial, path);
    else remove(partial);
  }
  free(bytes);
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *ctx) {
  (void)flags;
  counts_t *c = ctx;
  c->total++;
  c->per_id[id * 3] += 1;
  c->per_id[id * 3 + 1] += from;
  c->per_id[id * 3 + 2] += to;
  if (c->list) fprintf(c->list, "%u %llu %llu\n", id, from, to);
  return 0;
}

static void scan_block(const hs_database_t *db, hs_scratch_t *scratch, const char *data, size_t len, counts_t *c) {
  if (hs_scan(db, data, (unsigned)len, 0, scratch, on_match, c) != HS_SUCCESS) fail("hs_scan failed", NULL, -1);
}

static void scan_stream(const hs_database_t *db, hs_scratch_t *scratch, const char *data, size_t len, size_t chunk, counts_t *c) {
  hs_stream_t *s = NULL;
  if (hs_open_stream(db, 0, &s) != HS_SUCCESS) fail("hs_open_stream failed", NULL, -1);
  for (size_t i = 0; i < len; i += chunk) {
    size_t n = len - i < chunk ? len - i : chunk;
    if (hs_scan_stream(s, data + i, (unsigned)n, 0, scratch, on_match, c) != HS_SUCCESS) fail("hs_scan_stream failed", NULL, -1);
  }
  if (hs_close_stream(s, scratch, on_match, c) != HS_SUCCESS) fail("hs_close_stream failed", NULL, -1);
}

/* One mode: a warm-up pass (its counts are the ones reported), then timed passes that must count the same. */
static void run_mode(const char *name, const hs_database_t *db, hs_scratch_t *scratch, const char *data, size_t len, size_t chunk, int block, int passes, unsigned max_id, int last) {
  counts_t c = {0, calloc((size_t)max_id * 3 + 3, sizeof(unsigned long long)), NULL};
  counts_t timed = {0, calloc((size_t)max_id * 3 + 3, sizeof(unsigned long long)), NULL};
  double *secs = malloc(sizeof(double) * (size_t)passes);
  if (block) scan_block(db, scratch, data, len, &c);
  else scan_stream(db, scratch, data, len, chunk, &c);
  int consistent = 1;
  for (int i = 0; i < passes; i++) {
    timed.total = 0;
    double t0 = now();
    if (block) scan_block(db, scratch, data, len, &timed);
    else scan_stream(db, scratch, data, len, chunk, &timed);
    secs[i] = now() - t0;
    if (timed.total != c.total) consistent = 0;
  }
  printf("    \"%s\": {\"chunk\": %zu, \"medianSec\": %.9f, \"seconds\": [", name, block ? len : chunk, median(secs, passes));
  for (int i = 0; i < passes; i++) printf("%s%.9f", i ? ", " : "", secs[i]);
  printf("], \"matches\": %llu, \"consistent\": %s, \"perId\": {", c.total, consistent ? "true" : "false");
  int first = 1;
  for (unsigned id = 0; id <= max_id; id++) {
    if (c.per_id[id * 3] == 0) continue;
    printf("%s\"%u\": [%llu, %llu, %llu]", first ? "" : ", ", id, c.per_id[id * 3], c.per_id[id * 3 + 1], c.per_id[id * 3 + 2]);
    first = 0;
  }
  printf("}}%s\n", last ? "" : ",");
  free(c.per_id);
  free(timed.per_id);
  free(secs);
}

/* --check: one line per pattern, whether it compiles alone in block and in stream mode, and if not why. */
static void check_each(const patterns_t *p) {
  for (unsigned i = 0; i < p->count; i++) {
    unsigned modes[2] = {HS_MODE_BLOCK, HS_MODE_STREAM | ((p->flags[i] & HS_FLAG_SOM_LEFTMOST) ? HS_MODE_SOM_HORIZON_LARGE : 0)};
    const char *why = NULL;
    hs_compile_error_t *err = NULL;
    for (int m = 0; m < 2 && why == NULL; m++) {
      hs_database_t *db = NULL;
      if (hs_compile(p->expressions[i], p->flags[i], modes[m], NULL, &db, &err) != HS_SUCCESS) why = err->message;
      else hs_free_database(db);
    }
    printf("{\"id\":%u", p->ids[i]);
    if (why != NULL) {
      printf(",\"error\":");
      json_string(stdout, why);
    }
    printf("}\n");
    if (err != NULL) hs_free_compile_error(err);
  }
}

int main(int argc, char **argv) {
  int passes = 10, compiles = 3, list = 0, check = 0;
  const char *db_cache = NULL;
  size_t chunk = 1460, large = 65536;
  const char *paths[2] = {NULL, NULL};
  int npaths = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--passes") && i + 1 < argc) passes = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--compiles") && i + 1 < argc) compiles = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--chunk") && i + 1 < argc) chunk = (size_t)atol(argv[++i]);
    else if (!strcmp(argv[i], "--large") && i + 1 < argc) large = (size_t)atol(argv[++i]);
    else if (!strcmp(argv[i], "--list")) list = 1;
    else if (!strcmp(argv[i], "--check")) check = 1;
    else if (!strcmp(argv[i], "--db-cache") && i + 1 < argc) db_cache = argv[++i];
    else if (!strcmp(argv[i], "--version")) {
      printf("%s\n", hs_version());
      return 0;
    }
    else if (npaths < 2) paths[npaths++] = argv[i];
    else fail("usage: harness [--passes N] [--chunk N] [--large N] [--compiles N] [--db-cache DIR] [--list] PATTERNS CORPUS | --check PATTERNS", NULL, -1);
  }
  if (check && npaths == 1) {
    if (hs_valid_platform() != HS_SUCCESS) fail("this CPU cannot run Hyperscan (it needs SSSE3)", NULL, -1);
    size_t plen;
    char *ptext = read_file(paths[0], &plen);
    patterns_t p = parse_patterns(ptext);
    check_each(&p);
    return 0;
  }
  if (npaths != 2 || passes < 1 || compiles < 1 || chunk < 1 || large < 1)
    fail("usage: harness [--passes N] [--chunk N] [--large N] [--compiles N] [--db-cache DIR] [--list] PATTERNS CORPUS | --check PATTERNS", NULL, -1);
  if (hs_valid_platform() != HS_SUCCESS) fail("this CPU cannot run Hyperscan (it needs SSSE3)", NULL, -1);

  size_t plen, len;
  char *ptext = read_file(paths[0], &plen);
  unsigned long long key = fnv1a(ptext, plen);
  patterns_t p = parse_patterns(ptext);
  char *data = read_file(paths[1], &len);
  if (len > 0xffffffffu) fail("corpus over 4 GiB (hs_scan takes an unsigned length)", NULL, -1);

  if (list) {
    double secs;
    hs_database_t *db = compile(&p, HS_MODE_BLOCK, &secs);
    hs_scratch_t *scratch = NULL;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) fail("hs_alloc_scratch failed", NULL, -1);
    counts_t c = {0, calloc((size_t)p.max_id * 3 + 3, sizeof(unsigned long long)), stdout};
    scan_block(db, scratch, data, len, &c);
    return 0;
  }

  /* Stream databases with leftmost start of match must say how far back a start may lie; LARGE keeps it
   * exact for any distance, which is what block mode reports too. */
  unsigned stream_mode = HS_MODE_STREAM | (p.any_som ? HS_MODE_SOM_HORIZON_LARGE : 0);
  double *block_secs = malloc(sizeof(double) * (size_t)compiles), *stream_secs = malloc(sizeof(double) * (size_t)compiles);
  hs_database_t *block_db = NULL, *stream_db = NULL;
  double block_sec = 0, stream_sec = 0;
  int cached = 0;
  char block_path[4096], stream_path[4096];
  if (db_cache) {
    snprintf(block_path, sizeof block_path, "%s/netsieve-hs-db-%016llx-block", db_cache, key);
    snprintf(stream_path, sizeof stream_path, "%s/netsieve-hs-db-%016llx-stream", db_cache, key);
    block_db = cache_load(block_path, &block_sec);
    stream_db = block_db ? cache_load(stream_path, &stream_sec) : NULL;
    cached = block_db && stream_db;
    if (!cached && block_db) hs_free_database(block_db);
    if (!cached) block_db = NULL;
  }
  if (!cached) {
    for (int i = 0; i < compiles; i++) {
      if (block_db) hs_free_database(block_db);
      if (stream_db) hs_free_database(stream_db);
      block_db = compile(&p, HS_MODE_BLOCK, &block_secs[i]);
      stream_db = compile(&p, stream_mode, &stream_secs[i]);
    }
    block_sec = median(block_secs, compiles);
    stream_sec = median(stream_secs, compiles);
    if (db_cache) {
      cache_store(block_path, block_db, block_sec);
      cache_store(stream_path, stream_db, stream_sec);
    }
  }
  hs_scratch_t *scratch = NULL;
  if (hs_alloc_scratch(block_db, &scratch) != HS_SUCCESS || hs_alloc_scratch(stream_db, &scratch) != HS_SUCCESS)
    fail("hs_alloc_scratch failed", NULL, -1);
  size_t block_size = 0, stream_size = 0, state_size = 0, scratch_size = 0;
  hs_database_size(block_db, &block_size);
  hs_database_size(stream_db, &stream_size);
  hs_stream_size(stream_db, &state_size);
  hs_scratch_size(scratch, &scratch_size);

  printf("{\n  \"hyperscan\": ");
  json_string(stdout, hs_version());
  printf(",\n  \"patterns\": %u,\n  \"bytes\": %zu,\n  \"passes\": %d,\n", p.count, len, passes);
  printf("  \"compile\": {\"blockSec\": %.6f, \"streamSec\": %.6f, \"runs\": %d, \"cached\": %s},\n", block_sec, stream_sec, compiles, cached ? "true" : "false");
  printf("  \"database\": {\"blockBytes\": %zu, \"streamBytes\": %zu, \"streamStateBytes\": %zu, \"scratchBytes\": %zu},\n", block_size, stream_size, state_size, scratch_size);
  printf("  \"modes\": {\n");
  run_mode("block", block_db, scratch, data, len, len, 1, passes, p.max_id, 0);
  run_mode("streamSmall", stream_db, scratch, data, len, chunk, 0, passes, p.max_id, 0);
  run_mode("streamLarge", stream_db, scratch, data, len, large, 0, passes, p.max_id, 1);
  printf("  }\n}\n");

  hs_free_scratch(scratch);
  hs_free_database(block_db);
  hs_free_database(stream_db);
  free(block_secs);
  free(stream_secs);
  free(p.expressions);
  free(p.flags);
  free(p.ids);
  free(ptext);
  free(data);
  return 0;
}
