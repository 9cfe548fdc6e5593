/*
 * The differential reference for netsieve's WAF: libmodsecurity (v3) run on one value at a time.
 *
 * It reads commands from stdin, one per line, and answers each with one line on stdout:
 *   R <hex>   load a rule set (SecLang text, hex-encoded) in place of the current one: "OK", or "ERR <message>"
 *   T <hex>   one transaction: GET / with a request header "x" whose value is the decoded bytes, run through
 *             phase 1: "<status> <url>" from msc_intervention (url "-" when there is none)
 * The rule sets the TypeScript side writes put what they want to read back into a redirect URL (a macro such as
 * %{TX.0} after t:hexEncode), which arrives whole and unescaped, unlike log lines.
 * `--version` prints libmodsecurity's own name and version.
 */
#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex in place; returns the byte count, or -1 on a malformed argument. */
static long unhex(char *s) {
  size_t n = strlen(s);
  if (n % 2 != 0) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    s[i] = (char)(hi * 16 + lo);
  }
  s[n / 2] = '\0';
  return (long)(n / 2);
}

static void one_line(const char *s) {
  for (; *s != '\0'; s++) putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
  putchar('\n');
}

int main(int argc, char **argv) {
  ModSecurity *ms = msc_init();
  msc_set_connector_info(ms, "netsieve-test-harness");
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("%s\n", msc_who_am_i(ms));
    msc_cleanup(ms);
    return 0;
  }
  RulesSet *rules = NULL;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, stdin)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0) continue;
    char *arg = len > 1 ? line + 2 : line + len;
    long n = unhex(arg);
    if (n < 0) {
      printf("ERR malformed hex argument\n");
    } else if (line[0] == 'R') {
      if (rules != NULL) msc_rules_cleanup(rules);
      rules = msc_create_rules_set();
      const char *error = NULL;
      if (msc_rules_add(rules, arg, &error) < 0) {
        printf("ERR ");
        one_line(error != NULL ? error : "rules refused");
        msc_rules_cleanup(rules);
        rules = NULL;
      } else {
        printf("OK\n");
      }
    } else if (line[0] == 'T') {
      if (rules == NULL) {
        printf("ERR no rule set\n");
      } else {
        Transaction *t = msc_new_transaction(ms, rules, NULL);
        msc_process_connection(t, "127.0.0.1", 40000, "127.0.0.1", 80);
        msc_process_uri(t, "/", "GET", "1.1");
        msc_add_n_request_header(t, (const unsigned char *)"x", 1, (const unsigned char *)arg, (size_t)n);
        msc_process_request_headers(t);
        ModSecurityIntervention it;
        memset(&it, 0, sizeof it);
        it.status = 200;
        msc_intervention(t, &it);
        printf("%d %s\n", it.status, it.url != NULL ? it.url : "-");
        free(it.url);
        free(it.log);
        msc_transaction_cleanup(t);
      }
    } else {
      printf("ERR unknown command\n");
    }
    fflush(stdout);
  }
  free(line);
  if (rules != NULL) msc_rules_cleanup(rules);
  msc_cleanup(ms);
  return 0;
}
