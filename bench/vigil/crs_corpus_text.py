"""Text helpers shared by the CRS corpus generators (crs_corpus.py): percent-encoding the way browsers,
curl and attack tools do, nginx's access-log escaping, and the combined-format line itself.

Every function here takes and returns str; non-ASCII text is treated as UTF-8 bytes, which is what a
client puts on the wire.
"""

import urllib.parse

# RFC 3986 unreserved characters: what every encoder leaves alone.
UNRESERVED = "-_.~"


def pct(text, safe=UNRESERVED):
    """Percent-encodes every byte outside [A-Za-z0-9] and `safe` (UTF-8, uppercase hex)."""
    return urllib.parse.quote(text, safe=safe, encoding="utf-8", errors="surrogateescape")


def pct_form(text):
    """application/x-www-form-urlencoded as browsers submit a GET form: spaces as '+'."""
    return urllib.parse.quote_plus(text, safe=UNRESERVED, encoding="utf-8", errors="surrogateescape")


def pct_raw(text, structural="&#"):
    """What a tool that sends the payload nearly verbatim puts on the request line (curl with a literal
    URL, wfuzz, a hand-written exploit): spaces must become %20 (a raw space would end the target),
    the characters in `structural` would change the request's structure and are encoded, '%' stays
    as it is (payloads from fuzzing lists are often pre-encoded), and everything else, quotes and
    angle brackets included, goes raw; nginx logs raw non-printable and non-ASCII bytes as \\xHH."""
    out = []
    for ch in text:
        if ch == " ":
            out.append("%20")
        elif ch in structural or ch in "\r\n\t\v\f":
            out.append(pct(ch, safe=""))
        else:
            out.append(ch)
    return "".join(out)


def pct_raw_plus(text, structural="&#"):
    """As pct_raw, with '+' for spaces (a form or a fuzzer that uses the form convention)."""
    return pct_raw(text.replace(" ", "\0"), structural).replace("\0", "+")


def pct_double(text):
    """Double percent-encoding (%27 -> %2527), the classic filter evasion."""
    return pct(pct(text, safe=""), safe="")


def pct_path(text):
    """A path segment as a browser encodes it: '/' and the usual sub-delimiters stay."""
    return pct(text, safe=UNRESERVED + "/:@!$&'()*+,;=")


# Encodings of a value placed in a query string, by name; crs_corpus picks among them with weights.
VALUE_ENCODINGS = {
    "browser": pct,
    "form": pct_form,
    "raw": pct_raw,
    "raw_plus": pct_raw_plus,
    "double": pct_double,
}


def nginx_escape(text):
    """nginx's access-log escaping of a variable ($request, $http_user_agent, $http_referer): '"',
    '\\' and bytes < 0x20 or >= 0x7f become \\xHH (uppercase hex). Input is str; non-ASCII characters
    are escaped byte by byte of their UTF-8 encoding (lone surrogates from surrogateescape are
    the original raw bytes)."""
    out = []
    for byte in text.encode("utf-8", errors="surrogateescape"):
        if byte < 0x20 or byte >= 0x7F or byte in (0x22, 0x5C):
            out.append("\\x%02X" % byte)
        else:
            out.append(chr(byte))
    return "".join(out)


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def time_local(epoch):
    """nginx $time_local for an epoch in UTC: 07/Dec/2026:10:00:00 +0000."""
    import time
    t = time.gmtime(epoch)
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year,
                                                   t.tm_hour, t.tm_min, t.tm_sec)


def combined_line(client, epoch, method, target, protocol, status, size, referer, agent):
    """One nginx "combined" line. `target` is the request target as sent on the wire (already
    percent-encoded or raw as the client chose); '-' stands for an absent referer or agent."""
    request = method + " " + target + (" " + protocol if protocol else "")
    return '%s - - [%s] "%s" %d %d "%s" "%s"' % (
        client, time_local(epoch), nginx_escape(request), status, size,
        nginx_escape(referer) if referer else "-", nginx_escape(agent) if agent else "-")


def query(pairs):
    """Joins already-encoded (name, value) pairs; a value of None gives a bare name (`?debug`)."""
    return "&".join(n if v is None else n + "=" + v for n, v in pairs)


def stable_hash(text):
    """A hash that does not depend on PYTHONHASHSEED (the dev/heldout split must be reproducible)."""
    import hashlib
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).digest()[:8], "big")


def in_split(payload, split):
    """The deterministic ~50/50 split of every payload list: 'dev' gets even hashes, 'heldout' odd."""
    return (stable_hash(payload) & 1) == (0 if split == "dev" else 1)
