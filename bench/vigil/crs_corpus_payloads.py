"""Attack payload lists drawn from what Debian ships, for crs_corpus.py.

Sources (each entry is one payload list; the dev/heldout split is applied per list, by a hash of the
payload, before anything is sampled):
  wfuzz     /usr/share/wfuzz/wordlist/Injections/*.txt and the attack lists in vulns/ (SQL injection,
            directory traversal), plus the server-specific probe lists of vulns/ as family "probe"
  sqlmap    /usr/share/sqlmap/data/xml/payloads/*.xml, one entry per <test>, rendered with the
            boundaries of boundaries.xml and its placeholders filled the way sqlmap fills them
  crs-data  the phrase lists beside the CRS rules (/usr/share/modsecurity-crs/rules/*.data), turned
            into the requests that carry such phrases (crs_corpus_attacks.py does the turning)

Families follow the CRS rule files: sqli (942), xss (941), lfi (930), rfi (931), rce (932), php (933),
java (944), scanner (913), protocol (920/921), plus probe (requests for known-vulnerable URLs, which
CRS mostly does not score) and misc (fuzzing strings with no clear family).
"""

import glob
import os
import re
import xml.etree.ElementTree as ElementTree

WFUZZ = "/usr/share/wfuzz/wordlist"
SQLMAP = "/usr/share/sqlmap/data/xml"
CRS_RULES = "/usr/share/modsecurity-crs/rules"

# Entries with no attack syntax at all (a bare word or number such as "select", "TRUE", "65536") are
# fuzzing baselines, not attacks; no WAF should flag them and they are left out.
_TRIVIAL = re.compile(r"[\w .,@$-]*")


def _read_lines(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line and not line.startswith("#"):
                yield line


def classify_wfuzz(payload):
    """Family of an entry of wfuzz's mixed lists (All_attack.txt, bad_chars.txt, XML.txt)."""
    p = payload.lower()
    if re.search(r"<\s*/?\s*(script|img|iframe|body|svg|xss|a\s)|javascript:|alert\(|onerror|onload", p):
        return "xss"
    if re.search(r"\.\.[/\\]|%2e%2e|%c0%af|/etc/(passwd|shadow|hosts)|boot\.ini|win\.ini|\.\.%|global\.asa", p):
        return "lfi"
    if re.search(r"(^|[;|`&\n]|%0a)\s*(/bin/)?(id|ls|dir|cat|netstat|read|ping|sleep|nslookup)\b|\$\(|`", p):
        return "rce"
    if re.search(r"\b(select|union|insert|exec|xp_|or\s+\d+=\d+|waitfor|benchmark)\b|'\s*or\s|\"\s*or\s|--", p):
        return "sqli"
    if re.search(r"\(\||\*\)|objectclass|mail=", p):
        return "misc"  # LDAP injection: CRS 3.3 has no family for it
    return "misc"


def wfuzz_lists():
    """(family, source, [payloads]) for every wfuzz attack list."""
    out = []
    fixed = {"SQL.txt": "sqli", "XSS.txt": "xss", "Traversal.txt": "lfi"}
    for path in sorted(glob.glob(os.path.join(WFUZZ, "Injections", "*.txt"))):
        name = os.path.basename(path)
        entries = [p for p in _read_lines(path) if not _TRIVIAL.fullmatch(p)]
        if name in fixed:
            out.append((fixed[name], "wfuzz", entries))
        else:  # All_attack.txt, bad_chars.txt, XML.txt mix families
            by_family = {}
            for p in entries:
                by_family.setdefault(classify_wfuzz(p), []).append(p)
            out.extend((fam, "wfuzz", ps) for fam, ps in sorted(by_family.items()))
    vulns = os.path.join(WFUZZ, "vulns")
    traversal = []
    for name in ("dirTraversal.txt", "dirTraversal-nix.txt", "dirTraversal-win.txt"):
        path = os.path.join(vulns, name)
        if os.path.exists(path):
            traversal.extend(_read_lines(path))
    if traversal:
        out.append(("lfi", "wfuzz", sorted(set(traversal))))
    if os.path.exists(os.path.join(vulns, "sql_inj.txt")):
        out.append(("sqli", "wfuzz", [p for p in _read_lines(os.path.join(vulns, "sql_inj.txt"))
                                      if not _TRIVIAL.fullmatch(p)]))
    probes = set()
    for path in sorted(glob.glob(os.path.join(vulns, "*.txt"))):
        if os.path.basename(path) not in ("dirTraversal.txt", "dirTraversal-nix.txt", "dirTraversal-win.txt",
                                          "sql_inj.txt", "tests.txt", "fatwire_pagenames.txt"):
            probes.update(p for p in _read_lines(path) if len(p) > 1)
    if probes:
        out.append(("probe", "wfuzz", sorted(probes)))
    return [(f, s, ps) for f, s, ps in out if ps]


def crs_data(name):
    """The entries of one CRS .data file (comments and blank lines dropped)."""
    path = os.path.join(CRS_RULES, name)
    return list(_read_lines(path)) if os.path.exists(path) else []


# --- sqlmap ----------------------------------------------------------------------------------------

def _text(node, tag):
    child = node.find(tag)
    return (child.text or "") if child is not None else ""


def sqlmap_boundaries():
    """[(where set, prefix, suffix)] of boundaries.xml, levels 1-3 (what sqlmap tries by default and
    with --level 3)."""
    root = ElementTree.parse(os.path.join(SQLMAP, "boundaries.xml")).getroot()
    out = []
    for b in root.iter("boundary"):
        if int(_text(b, "level") or 1) > 3:
            continue
        where = {int(w) for w in _text(b, "where").split(",") if w.strip()}
        out.append((where, _text(b, "prefix"), _text(b, "suffix")))
    return out


def sqlmap_tests():
    """[(title, where set, payload template, vector template, comment, is_union)] of every <test>."""
    out = []
    for path in sorted(glob.glob(os.path.join(SQLMAP, "payloads", "*.xml"))):
        root = ElementTree.parse(path).getroot()
        for t in root.iter("test"):
            request = t.find("request")
            if request is None:
                continue
            where = {int(w) for w in _text(t, "where").split(",") if w.strip()}
            out.append((_text(t, "title"), where, _text(request, "payload"), _text(t, "vector"),
                        _text(request, "comment"), request.find("columns") is not None))
    return out


_QUERIES = ["SELECT DATABASE()", "SELECT USER()", "SELECT @@version", "SELECT CURRENT_USER",
            "SELECT table_name FROM information_schema.tables LIMIT 0,1", "SELECT password FROM users LIMIT 1",
            "SELECT (CASE WHEN (1=1) THEN 1 ELSE 0 END)", "SELECT banner FROM v$version WHERE ROWNUM=1",
            "SELECT name FROM master..sysdatabases", "SELECT version()", "SELECT COUNT(*) FROM mysql.user"]


def _delimiter(rng):
    """sqlmap's markers: 'q' + three random letters + 'q', sometimes hex-encoded as MySQL payloads are."""
    word = "q" + "".join(rng.choice("bjkpvxzq") for _ in range(3)) + "q"
    return word


def fill_sqlmap(template, rng, original="1"):
    """Fills sqlmap's placeholders with the kind of values sqlmap itself uses; the same placeholder
    gets the same value throughout one payload (sqlmap's "AND [RANDNUM]=[RANDNUM]" is a tautology)."""
    values = {}

    def value(name):
        if name in values:
            return values[name]
        if name.startswith("RANDNUM"):
            v = str(rng.randint(1000, 9999))
        elif name.startswith("RANDSTR"):
            v = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
        elif name == "SLEEPTIME" or name == "DELAYED":
            v = str(rng.choice([5, 5, 5, 3, 10]))
        elif name == "INFERENCE":
            n = rng.randint(1000, 9999)
            v = rng.choice(["%d=%d" % (n, n), "ORD(MID((%s),%d,1))>%d" % (rng.choice(_QUERIES), rng.randint(1, 9),
                                                                          rng.randint(48, 122))])
        elif name == "QUERY":
            v = rng.choice(_QUERIES)
        elif name in ("DELIMITER_START", "DELIMITER_STOP"):
            v = _delimiter(rng)
        elif name == "GENERIC_SQL_COMMENT":
            v = rng.choice(["-- -", "--", "#"])
        elif name in ("ORIGVALUE", "ORIGINAL"):
            v = original
        elif name == "CHAR":
            v = rng.choice(["NULL", str(rng.randint(1000, 9999))])
        elif name == "COLSTART":
            v = "1"
        elif name == "COLSTOP":
            v = str(rng.randint(2, 10))
        elif name == "SPACE_REPLACE":
            v = " "
        elif name == "DOLLAR_REPLACE":
            v = "$"
        elif name == "HASH_REPLACE":
            v = "#"
        elif name == "AT_REPLACE":
            v = "@"
        else:
            v = ""
        values[name] = v
        return v

    for _ in range(3):  # a filled value may itself contain placeholders ([INFERENCE] holds [QUERY]s)
        template = re.sub(r"\[([A-Z_0-9]+)\]", lambda m: value(m.group(1)), template)
    return template


def union_payload(rng):
    """What sqlmap sends for its UNION tests: n columns, one of them carrying the delimited marker."""
    n = rng.randint(2, 10)
    marker = rng.randrange(n)
    start, stop = _delimiter(rng), _delimiter(rng)
    hexed = rng.random() < 0.5
    concat = ("CONCAT(0x%s,0x%s,0x%s)" % (start.encode().hex(), "".join(rng.choice("0123456789abcdef")
                                                                          for _ in range(40)), stop.encode().hex())
              if hexed else "CONCAT('%s','%s','%s')" % (start, "".join(rng.choice("abcdefXYZ") for _ in range(20)),
                                                       stop))
    filler = rng.choice(["NULL", str(rng.randint(1000, 9999))])
    cols = [concat if i == marker else filler for i in range(n)]
    return "UNION ALL SELECT " + ",".join(cols)


def render_sqlmap(test, boundaries, rng):
    """One sqlmap request value for a <test>: original value, boundary prefix, payload (the test's
    request payload or its exploitation vector), comment, boundary suffix."""
    _title, where, payload, vector, comment, is_union = test
    w = rng.choice(sorted(where)) if where else 1
    candidates = [b for b in boundaries if w in b[0]] or boundaries
    _bw, prefix, suffix = rng.choice(candidates)
    if is_union:
        body = union_payload(rng)
    else:
        body = payload if (rng.random() < 0.6 or not vector) else vector
    original = rng.choice(["1", "2", "10", "42", "abc", "admin", "test"])
    lead = {1: original, 2: "-" + str(rng.randint(1000, 9999)), 3: ""}.get(w, original)
    text = lead + prefix + " " + body + (comment if comment else "") + suffix
    return fill_sqlmap(text, rng, original).strip() or "1"
