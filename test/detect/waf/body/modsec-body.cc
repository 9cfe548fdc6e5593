// libmodsecurity (ModSecurity v3) as the reference for the body processors: each case is a POST with a
// Content-Type and a body, processed with CRS CI's limits; the harness prints what the WAF's variables hold.
// Input on stdin, one case per two lines: "<content-type hex> <processor or -> <args limit>" then "<body hex>".
// Output per case: "V <name> <hex>" for anchored variables, "S <collection> <key hex> <value hex>" for sets, "E".
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <iostream>
#include <string>
#include <vector>

using modsecurity::ModSecurity;
using modsecurity::RulesSet;
using modsecurity::Transaction;

static std::string unhex(const std::string &h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

static std::string hex(const std::string &s) {
  static const char *d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out.empty() ? "-" : out;
}

static void set(const char *name, modsecurity::AnchoredSetVariable &v) {
  std::vector<const modsecurity::VariableValue *> l;
  v.resolve(&l);
  for (auto *x : l) std::cout << "S " << name << " " << hex(x->getKey()) << " " << hex(x->getValue()) << "\n";
  for (auto *x : l) delete x;
}

static void one(const char *name, modsecurity::AnchoredVariable &v) { std::cout << "V " << name << " " << hex(v.m_value) << "\n"; }

static void quiet(void *, const void *) {}

int main(int argc, char **argv) {
  if (argc > 1 && std::string(argv[1]) == "--version") {
    std::cout << MODSECURITY_VERSION << "\n";
    return 0;
  }
  ModSecurity ms;
  ms.setServerLogCb(quiet);  // rule matches would otherwise be printed on stdout
  std::string line, body;
  while (std::getline(std::cin, line) && std::getline(std::cin, body)) {
    size_t a = line.find(' '), b = line.find(' ', a + 1);
    std::string ct = unhex(line.substr(0, a)), proc = line.substr(a + 1, b - a - 1), limit = line.substr(b + 1);
    RulesSet rules;
    std::string conf = "SecRuleEngine DetectionOnly\nSecRequestBodyAccess On\nSecRequestBodyLimit 13107200\n"
                       "SecRequestBodyNoFilesLimit 131072\nSecRequestBodyJsonDepthLimit 512\nSecArgumentsLimit " + limit + "\n";
    if (proc != "-") conf += "SecAction \"id:1,phase:1,pass,nolog,ctl:requestBodyProcessor=" + proc + "\"\n";
    // XML:/* and XML://@* come back through TX: the root's text whole, the attributes hex-encoded, each after an 'x'.
    conf += "SecRule XML:/* \"@rx (?s)^(.*)$\" \"id:2,phase:2,pass,nolog,capture,t:none,t:hexEncode,setvar:tx.xmltext=%{TX.0}\"\n";
    conf += "SecRule XML://@* \"@rx (?s)^(.*)$\" \"id:3,phase:2,pass,nolog,capture,t:none,t:hexEncode,"
            "setvar:tx.xmlattrs=%{tx.xmlattrs}x%{TX.0}\"\n";
    if (rules.load(conf.c_str()) < 0) {
      std::cout << "X " << hex(rules.getParserError()) << "\nE\n";
      continue;
    }
    Transaction t(&ms, &rules, nullptr);
    t.processConnection("127.0.0.1", 4000, "127.0.0.1", 80);
    t.processURI("/", "POST", "1.1");
    t.addRequestHeader("Host", "localhost");
    if (!ct.empty()) t.addRequestHeader("Content-Type", ct);
    t.processRequestHeaders();
    std::string data = unhex(body);
    t.appendRequestBody(reinterpret_cast<const unsigned char *>(data.data()), data.size());
    t.processRequestBody();
    set("ARGS", t.m_variableArgs);
    set("ARGS_POST", t.m_variableArgsPost);
    set("FILES", t.m_variableFiles);
    set("FILES_SIZES", t.m_variableFilesSizes);
    set("MULTIPART_PART_HEADERS", t.m_variableMultipartPartHeaders);
    one("FILES_COMBINED_SIZE", t.m_variableFilesCombinedSize);
    one("MULTIPART_BOUNDARY_QUOTED", t.m_variableMultipartBoundaryQuoted);
    one("MULTIPART_BOUNDARY_WHITESPACE", t.m_variableMultipartBoundaryWhiteSpace);
    one("MULTIPART_CRLF_LF_LINES", t.m_variableMultipartCrlfLFLines);
    one("MULTIPART_DATA_AFTER", t.m_variableMultipartDataAfter);
    one("MULTIPART_DATA_BEFORE", t.m_variableMultipartDataBefore);
    one("MULTIPART_FILE_LIMIT_EXCEEDED", t.m_variableMultipartFileLimitExceeded);
    one("MULTIPART_HEADER_FOLDING", t.m_variableMultipartHeaderFolding);
    one("MULTIPART_INVALID_HEADER_FOLDING", t.m_variableMultipartInvalidHeaderFolding);
    one("MULTIPART_INVALID_PART", t.m_variableMultipartInvalidPart);
    one("MULTIPART_INVALID_QUOTING", t.m_variableMultipartInvalidQuoting);
    one("MULTIPART_LF_LINE", t.m_variableMultipartLFLine);
    one("MULTIPART_MISSING_SEMICOLON", t.m_variableMultipartMissingSemicolon);
    one("MULTIPART_STRICT_ERROR", t.m_variableMultipartStrictError);
    one("MULTIPART_UNMATCHED_BOUNDARY", t.m_variableMultipartUnmatchedBoundary);
    one("REQBODY_ERROR", t.m_variableReqbodyError);
    one("REQBODY_ERROR_MSG", t.m_variableReqbodyErrorMsg);
    one("REQBODY_PROCESSOR_ERROR", t.m_variableReqbodyProcessorError);
    one("URLENCODED_ERROR", t.m_variableUrlEncodedError);
    for (const char *k : {"xmltext", "xmlattrs"}) {
      auto v = t.m_collections.m_tx_collection->resolveFirst(k);
      std::cout << "V TX_" << k << " " << hex(v ? *v : std::string()) << "\n";
    }
    std::cout << "E\n" << std::flush;
  }
  return 0;
}
