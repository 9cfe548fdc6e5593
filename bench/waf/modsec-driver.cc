// ModSecurity v3 (libmodsecurity) on a batch of HTTP transactions, timed in-process, for bench/waf.bench.ts
// (issue #12: netsieve's WAF beside ModSecurity v3 running the same CRS on the same requests).
//
//   modsec-driver --version
//   modsec-driver REPETITIONS FILE... < transactions
//
// The FILEs are loaded in order through one SecLang text of `Include "FILE"` lines (a FILE starting with '@' is
// inline SecLang, hex-encoded after the '@'), as ModSecurity's own Include does, so @pmFromFile data files
// resolve next to their rule files. Then `SecAuditEngine Off`: no audit log is written. Rule matches go to a
// no-op log callback (RuleMessageLogProperty: the message is not formatted as text) that only records rule ids.
//
// Input on stdin, whitespace-separated tokens, hex for any text ('-' for empty):
//   Q <method> <uri> <version> <header count> then per header <name> <value>, then <body>
//   then either N (no response) or
//   S <status> <version> <header count> then per header <name> <value>, then <body>
// Each transaction runs through a full Transaction (connection, URI, request headers, request body, and the
// response's headers and body when there is one, logging). The whole batch runs REPETITIONS times; for each
// repetition the process CPU time (CLOCK_PROCESS_CPUTIME_ID) and the wall time (CLOCK_MONOTONIC) are printed.
//
// Output: one JSON object: {"version","transactions","load_cpu_s","reps":[{"cpu_s","wall_s"}...],
// "ids":[[rule ids logged by transaction 0, in the first repetition], ...]}.
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <time.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using modsecurity::ModSecurity;
using modsecurity::RulesSet;
using modsecurity::Transaction;

struct Message {
  std::string method, uri, version, body;
  std::vector<std::pair<std::string, std::string>> headers;
  int status = 0;
};

struct Exchange {
  Message req;
  bool hasResponse = false;
  Message resp;
};

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static std::string unhex(const std::string &h) {
  std::string out;
  if (h == "-") return out;
  out.reserve(h.size() / 2);
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(hexval(h[i]) * 16 + hexval(h[i + 1])));
  return out;
}

static bool readMessage(Message &m, bool response) {
  std::string a, b, c, n;
  if (response) {
    if (!(std::cin >> a >> b >> n)) return false;
    m.status = std::stoi(a);
    m.version = unhex(b);
  } else {
    if (!(std::cin >> a >> b >> c >> n)) return false;
    m.method = unhex(a);
    m.uri = unhex(b);
    m.version = unhex(c);
  }
  int count = std::stoi(n);
  for (int i = 0; i < count; i++) {
    std::string k, v;
    if (!(std::cin >> k >> v)) return false;
    m.headers.emplace_back(unhex(k), unhex(v));
  }
  std::string body;
  if (!(std::cin >> body)) return false;
  m.body = unhex(body);
  return true;
}

static double now(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

static std::vector<int> *logged = nullptr;

static void onLog(void *, const void *message) {
  if (logged == nullptr || message == nullptr) return;
  logged->push_back(static_cast<const modsecurity::RuleMessage *>(message)->m_ruleId);
}

// "HTTP/1.1" -> "1.1", as the web server connectors pass it.
static std::string protocolNumber(const std::string &v) { return v.compare(0, 5, "HTTP/") == 0 ? v.substr(5) : v; }

static void run(ModSecurity &ms, RulesSet &rules, const Exchange &x) {
  Transaction t(&ms, &rules, nullptr);
  t.processConnection("127.0.0.1", 40000, "127.0.0.1", 80);
  t.processURI(x.req.uri.c_str(), x.req.method.c_str(), protocolNumber(x.req.version).c_str());
  for (const auto &h : x.req.headers) t.addRequestHeader(h.first, h.second);
  t.processRequestHeaders();
  if (!x.req.body.empty())
    t.appendRequestBody(reinterpret_cast<const unsigned char *>(x.req.body.data()), x.req.body.size());
  t.processRequestBody();
  if (x.hasResponse) {
    for (const auto &h : x.resp.headers) t.addResponseHeader(h.first, h.second);
    t.processResponseHeaders(x.resp.status, x.resp.version);
    if (!x.resp.body.empty())
      t.appendResponseBody(reinterpret_cast<const unsigned char *>(x.resp.body.data()), x.resp.body.size());
    t.processResponseBody();
  }
  t.processLogging();
}

static std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

int main(int argc, char **argv) {
  if (argc > 1 && std::string(argv[1]) == "--version") {
    std::cout << MODSECURITY_VERSION << "\n";
    return 0;
  }
  if (argc < 3) {
    std::cerr << "usage: modsec-driver REPETITIONS FILE... < transactions\n";
    return 2;
  }
  const int reps = std::stoi(argv[1]);
  std::ios::sync_with_stdio(false);

  ModSecurity ms;
  ms.setConnectorInformation("netsieve-bench");
  ms.setServerLogCb(onLog, modsecurity::RuleMessageLogProperty);

  std::string conf;
  for (int i = 2; i < argc; i++) {
    std::string f = argv[i];
    if (!f.empty() && f[0] == '@')
      conf += unhex(f.substr(1)) + "\n";
    else
      conf += "Include \"" + f + "\"\n";
  }
  conf += "SecAuditEngine Off\n";
  const double load0 = now(CLOCK_PROCESS_CPUTIME_ID);
  RulesSet rules;
  if (rules.load(conf.c_str()) < 0) {
    std::cerr << "modsec-driver: the rules do not load: " << rules.getParserError() << "\n";
    return 1;
  }
  const double loadCpu = now(CLOCK_PROCESS_CPUTIME_ID) - load0;

  std::vector<Exchange> batch;
  std::string tag;
  while (std::cin >> tag) {
    Exchange x;
    if (tag != "Q" || !readMessage(x.req, false)) {
      std::cerr << "modsec-driver: bad input at transaction " << batch.size() << "\n";
      return 1;
    }
    if (!(std::cin >> tag)) return 1;
    if (tag == "S") {
      x.hasResponse = true;
      if (!readMessage(x.resp, true)) return 1;
    } else if (tag != "N") {
      std::cerr << "modsec-driver: bad input at transaction " << batch.size() << "\n";
      return 1;
    }
    batch.push_back(std::move(x));
  }

  std::vector<std::vector<int>> ids(batch.size());
  std::vector<std::pair<double, double>> times;
  for (int r = 0; r < reps; r++) {
    const double c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
    for (size_t i = 0; i < batch.size(); i++) {
      logged = r == 0 ? &ids[i] : nullptr;
      run(ms, rules, batch[i]);
    }
    logged = nullptr;
    times.emplace_back(now(CLOCK_PROCESS_CPUTIME_ID) - c0, now(CLOCK_MONOTONIC) - w0);
  }

  std::string out = "{\"version\":" + jsonString(MODSECURITY_VERSION) + ",\"transactions\":" + std::to_string(batch.size()) +
                    ",\"load_cpu_s\":" + std::to_string(loadCpu) + ",\"reps\":[";
  for (size_t i = 0; i < times.size(); i++) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s{\"cpu_s\":%.9f,\"wall_s\":%.9f}", i ? "," : "", times[i].first, times[i].second);
    out += buf;
  }
  out += "],\"ids\":[";
  for (size_t i = 0; i < ids.size(); i++) {
    out += i ? ",[" : "[";
    for (size_t j = 0; j < ids[i].size(); j++) out += (j ? "," : "") + std::to_string(ids[i][j]);
    out += "]";
  }
  out += "]}\n";
  std::cout << out;
  return 0;
}
