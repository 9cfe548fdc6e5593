/**
 * The WAF's cost per HTTP transaction (issue #12, in progress): OWASP CRS v4 in CRS CI's configuration at
 * paranoia 1 and 4, on a fixed set of transactions (benign browsing, a form post, a JSON post, and a few
 * attacks), against the same transactions with a one-rule set as the baseline. The "packets/s" column is
 * transactions per second here (one transaction = one operation's unit).
 *
 *   npx tsx bench/waf.bench.ts [CRS_DIR]
 *
 * CRS comes from the argument, NETSIEVE_CRS_DIR or ../shared/crs; without one the suite says so and stops.
 * ModSecurity v3 beside it (the 5x goal) is not measured yet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWaf, type WafRequest } from '../src/detect/waf/index.js';
import { machine, runSuite } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const crs = process.argv[2] ?? process.env.NETSIEVE_CRS_DIR ?? path.join(here, '..', '..', 'shared', 'crs');
if (!fs.existsSync(path.join(crs, 'rules'))) {
  console.log(`waf: no CRS at ${crs}; give a coreruleset directory (argument or NETSIEVE_CRS_DIR)`);
  process.exit(0);
}

const H: [string, string][] = [
  ['Host', 'shop.example.com'],
  ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['Accept-Language', 'en-US,en;q=0.5'],
  ['Accept-Encoding', 'gzip, deflate'],
  ['Cookie', 'session=3f2a9c1e77b04d1c; theme=dark'],
];
const form = 'user=alice&password=correct+horse&remember=on';
const json = '{"items":[{"sku":"A-1001","qty":2},{"sku":"B-2002","qty":1}],"coupon":"WINTER"}';
const TRANSACTIONS: WafRequest[] = [
  { method: 'GET', uri: '/', version: 'HTTP/1.1', headers: H, body: null },
  { method: 'GET', uri: '/catalog/shoes?page=2&sort=price&color=red', version: 'HTTP/1.1', headers: H, body: null },
  { method: 'GET', uri: '/static/app.3f2a9c.js', version: 'HTTP/1.1', headers: H, body: null },
  {
    method: 'POST',
    uri: '/login',
    version: 'HTTP/1.1',
    headers: [...H, ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(form.length)]],
    body: form,
  },
  {
    method: 'POST',
    uri: '/api/cart',
    version: 'HTTP/1.1',
    headers: [...H, ['Content-Type', 'application/json'], ['Content-Length', String(json.length)]],
    body: json,
  },
  { method: 'GET', uri: "/item?id=1'%20OR%20'1'='1", version: 'HTTP/1.1', headers: H, body: null },
  { method: 'GET', uri: '/search?q=%3Cscript%3Ealert(1)%3C/script%3E', version: 'HTTP/1.1', headers: H, body: null },
  { method: 'GET', uri: '/download?file=../../../../etc/passwd', version: 'HTTP/1.1', headers: H, body: null },
];

const ci = path.join(crs, 'ci');
const setup = (pl: number) =>
  fs.existsSync(ci)
    ? [path.join(ci, 'modsecurity.conf'), path.join(ci, `crs-setup-pl${pl === 1 ? 1 : 4}.conf`)]
    : [path.join(crs, 'crs-setup.conf.example')];
const pl1 = createWaf({ crsDir: crs, configFiles: setup(1), paranoia: 1 });
const pl4 = createWaf({ crsDir: crs, configFiles: setup(4), paranoia: 4 });
const one = createWaf({ rules: [{ text: 'SecRule ARGS "@rx ^never$" "id:1,phase:2,pass,log"' }] });

console.log(`# waf: CRS at ${crs}, ${pl1.loaded.rules.length} rules; ${TRANSACTIONS.length} transactions per operation`);
console.log(`# ${machine()}`);
const runAll = (w: typeof pl1) => () => {
  for (const t of TRANSACTIONS) w.ruleSet.evaluate(t, null);
};
runSuite(
  'waf (CRS on HTTP transactions; packets/s = transactions/s)',
  [
    { name: 'one rule (baseline: building the transaction)', baseline: true, packets: TRANSACTIONS.length, fn: runAll(one) },
    { name: 'CRS, paranoia 1', packets: TRANSACTIONS.length, fn: runAll(pl1) },
    { name: 'CRS, paranoia 4', packets: TRANSACTIONS.length, fn: runAll(pl4) },
  ],
  { minSamples: 20, maxTime: 6 },
);
