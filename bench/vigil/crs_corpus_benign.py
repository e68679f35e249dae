"""Benign requests for the CRS corpora (crs_corpus.py): shops, news, wikis, APIs, search with long
query strings, JSON and tokens in parameters, tracking parameters, non-English text, static assets,
and ordinary text that merely looks suspicious. Each generator draws its path shape and its optional
parameters independently, so the corpus holds several hundred distinct shapes, not a few templates.

benign_request(rng) -> (kind, method, target, referer, agent); the target is encoded the way a
browser or an app sends it.
"""

import base64
import json

from crs_corpus_text import pct, pct_form, pct_path, query
from crs_corpus_vocab import (APPS, BRANDS, BROWSERS, CATEGORIES, CITIES, COLORS, CRAWLERS, FIRST, I18N, LAST,
                              MOBILE, PRODUCTS, SEARCH_ENGINES, SOCIAL, SORTS, TRICKY, WIKI_TITLES, WORDS)


def _words(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def _slug(rng, lo=3, hi=8):
    return "-".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def _hex(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jwt(rng):
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64url(json.dumps({"sub": str(rng.randint(10**5, 10**9)), "iat": 1796000000 + rng.randint(0, 10**6),
                               "scope": "read write"}).encode())
    return head + "." + body + "." + _b64url(bytes(rng.getrandbits(8) for _ in range(32)))


def _text(rng):
    """Free text a person types: English words, another language, or something tricky-looking."""
    r = rng.random()
    if r < 0.55:
        return _words(rng, 1, 6)
    if r < 0.8:
        return rng.choice(I18N)
    return rng.choice(TRICKY)


def _enc(rng, text):
    return pct_form(text) if rng.random() < 0.6 else pct(text)


def _tracking(rng):
    pairs = []
    if rng.random() < 0.7:
        pairs += [("utm_source", rng.choice(["google", "newsletter", "facebook", "twitter", "bing", "partner_42"])),
                  ("utm_medium", rng.choice(["cpc", "email", "social", "display", "referral"])),
                  ("utm_campaign", rng.choice(["spring_sale", "black-friday-2026", "welcome_series_3", "brand%7Cexact"]))]
        if rng.random() < 0.4:
            pairs.append(("utm_term", _enc(rng, _words(rng, 1, 3))))
        if rng.random() < 0.3:
            pairs.append(("utm_content", rng.choice(["banner_top", "textlink", "cta-button", "hero_v2"])))
    extra = rng.random()
    if extra < 0.3:
        pairs.append(("gclid", "Cj0KCQiA" + _b64url(bytes(rng.getrandbits(8) for _ in range(40)))))
    elif extra < 0.5:
        pairs.append(("fbclid", "IwAR" + _b64url(bytes(rng.getrandbits(8) for _ in range(42)))))
    elif extra < 0.6:
        pairs.append(("msclkid", _hex(rng, 32)))
    return pairs


def _maybe(rng, p, pairs):
    return pairs if rng.random() < p else []


def shop(rng):
    cat = rng.choice(CATEGORIES)
    shape = rng.randrange(9)
    if shape == 0:
        return "GET", "/c/" + cat + "?" + query([("page", str(rng.randint(1, 40)))] + _maybe(rng, 0.5, [
            ("sort", rng.choice(SORTS))]) + _maybe(rng, 0.4, [("color", rng.choice(COLORS))]) + _maybe(rng, 0.3, [
            ("price_min", str(rng.randint(0, 50))), ("price_max", str(rng.randint(60, 900)))]))
    if shape == 1:
        return "GET", "/p/%s-%s/%d" % (rng.choice(BRANDS), _slug(rng, 2, 4), rng.randint(10**5, 10**7))
    if shape == 2:
        f = {"brand": rng.sample(BRANDS, rng.randint(1, 3)), "price": {"gte": rng.randint(5, 50),
             "lte": rng.randint(60, 500)}, "in_stock": rng.random() < 0.5}
        return "GET", "/api/products?" + query([("filter", pct(json.dumps(f, separators=(",", ":")))),
                                                ("limit", str(rng.choice([12, 24, 48])))])
    if shape == 3:
        return "GET", "/search?" + query([("q", _enc(rng, rng.choice(PRODUCTS) + " " + rng.choice(COLORS)))] +
                                         _maybe(rng, 0.5, [("category", cat.replace("/", "%2F"))]) +
                                         _maybe(rng, 0.3, [("ref", "nav_search")]))
    if shape == 4:
        return "POST", "/cart/add"
    if shape == 5:
        return "GET", "/checkout/" + rng.choice(["shipping", "payment", "review", "confirmation"]) + "?" + query(
            [("session", _hex(rng, 32))] + _maybe(rng, 0.5, [("step", str(rng.randint(1, 4)))]))
    if shape == 6:
        return "GET", "/p/%d?%s" % (rng.randint(10**5, 10**7), query(_tracking(rng)))
    if shape == 7:
        return "GET", "/wishlist?" + query([("add", str(rng.randint(10**5, 10**7))), ("size", rng.choice(
            ["S", "M", "L", "XL", "42", "10.5"]))])
    return "GET", "/reviews/%d?%s" % (rng.randint(10**5, 10**7), query([("rating", str(rng.randint(1, 5))),
                                                                        ("lang", rng.choice(["en", "de", "fr", "ja"]))]))


def news(rng):
    section = rng.choice(["world", "politics", "business", "tech", "science", "sport", "culture", "opinion"])
    shape = rng.randrange(6)
    if shape == 0:
        return "GET", "/%s/2026/%02d/%02d/%s" % (section, rng.randint(1, 12), rng.randint(1, 28), _slug(rng))
    if shape == 1:
        return "GET", "/%s/%s-%d?%s" % (section, _slug(rng), rng.randint(10**6, 10**8), query(_tracking(rng)))
    if shape == 2:
        return "GET", "/live/%s?%s" % (_slug(rng, 2, 4), query([("page", str(rng.randint(1, 9)))] + _maybe(
            rng, 0.5, [("filterKeyEvents", rng.choice(["true", "false"]))])))
    if shape == 3:
        return "GET", "/amp/%s/%s.html" % (section, _slug(rng))
    if shape == 4:
        return "GET", "/comments?" + query([("article", str(rng.randint(10**6, 10**8))), ("order", rng.choice(
            ["newest", "oldest", "top"])), ("offset", str(rng.randint(0, 200)))])
    return "GET", "/tag/" + pct_path(rng.choice(CITIES)) + "?" + query([("page", str(rng.randint(1, 20)))])


def wiki(rng):
    title = rng.choice(WIKI_TITLES)
    enc = title if "%" in title else pct_path(title)
    shape = rng.randrange(6)
    if shape == 0:
        return "GET", "/wiki/" + enc
    if shape == 1:
        return "GET", "/w/index.php?" + query([("title", pct(title)), ("action", rng.choice(
            ["history", "edit", "info", "raw"]))] + _maybe(rng, 0.4, [("oldid", str(rng.randint(10**8, 10**9)))]))
    if shape == 2:
        return "GET", "/w/index.php?" + query([("search", _enc(rng, _text(rng))), ("title", "Special%3ASearch"),
                                               ("ns0", "1")] + _maybe(rng, 0.5, [("fulltext", "1")]))
    if shape == 3:
        return "GET", "/w/api.php?" + query([("action", "query"), ("format", "json"), ("prop", "extracts%7Cpageimages"),
                                             ("titles", pct(title)), ("redirects", "1")])
    if shape == 4:
        return "GET", "/wiki/Special:RecentChanges?" + query([("days", str(rng.choice([1, 3, 7, 30]))),
                                                               ("limit", str(rng.choice([50, 100, 250])))])
    return "GET", "/wiki/Talk:" + enc


def search(rng):
    q = _text(rng)
    if rng.random() < 0.3:
        q = q + " " + _words(rng, 3, 12)  # long queries
    pairs = [("q", _enc(rng, q))]
    pairs += _maybe(rng, 0.4, [("lang", rng.choice(["en", "de", "ru", "ja", "ar", "pt-BR", "zh-CN"]))])
    pairs += _maybe(rng, 0.3, [("start", str(10 * rng.randint(1, 20)))])
    pairs += _maybe(rng, 0.2, [("safe", "active"), ("tbs", "qdr%3Aw")])
    pairs += _maybe(rng, 0.2, [("oq", _enc(rng, q[: rng.randint(1, max(1, len(q)))]))])
    pairs += _maybe(rng, 0.15, [("sxsrf", _b64url(bytes(rng.getrandbits(8) for _ in range(30))) + "%3A" +
                                 str(1796000000000 + rng.randint(0, 10**9)))])
    rng.shuffle(pairs)
    return "GET", rng.choice(["/search", "/s", "/find", "/results", "/suche"]) + "?" + query(pairs)


def api(rng):
    v = rng.choice(["v1", "v2", "v3"])
    shape = rng.randrange(10)
    if shape == 0:
        return "GET", "/api/%s/users/%d/orders?%s" % (v, rng.randint(1, 10**6), query(
            [("limit", str(rng.choice([10, 20, 50, 100]))), ("offset", str(rng.randint(0, 500)))] +
            _maybe(rng, 0.4, [("status", rng.choice(["shipped", "pending", "cancelled"]))])))
    if shape == 1:
        return "GET", "/api/%s/weather?%s" % (v, query([("lat", "%.4f" % rng.uniform(-60, 70)),
                                                          ("lon", "%.4f" % rng.uniform(-170, 170)),
                                                          ("units", rng.choice(["metric", "imperial"]))]))
    if shape == 2:
        return "GET", "/oauth/authorize?" + query([
            ("response_type", "code"), ("client_id", _hex(rng, 24)),
            ("redirect_uri", pct("https://app.example.com/callback", safe="")),
            ("scope", pct("openid profile email", safe="")), ("state", _b64url(bytes(rng.getrandbits(8) for _ in range(16)))),
            ("code_challenge", _b64url(bytes(rng.getrandbits(8) for _ in range(32)))), ("code_challenge_method", "S256")])
    if shape == 3:
        return "GET", "/api/%s/me?%s" % (v, query([("access_token", _jwt(rng))]))
    if shape == 4:
        return "POST", "/api/%s/events" % v
    if shape == 5:
        return "GET", "/api/%s/items?%s" % (v, query([("ids", pct(",".join(str(rng.randint(1, 9999))
                                                                            for _ in range(rng.randint(2, 8))))),
                                                        ("fields", pct("id,name,price,updated_at"))]))
    if shape == 6:
        return "GET", "/api/%s/geo/autocomplete?%s" % (v, query([("input", _enc(rng, rng.choice(CITIES))),
                                                                   ("sessiontoken", _hex(rng, 32))]))
    if shape == 7:
        return rng.choice(["HEAD", "GET"]), rng.choice(["/healthz", "/api/health", "/status", "/ping", "/metrics"])
    if shape == 8:
        return "OPTIONS", "/api/%s/cart/%s" % (v, _hex(rng, 12))
    since = "2026-%02d-%02dT%02d:%02d:00Z" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
    return "GET", "/api/%s/changes?%s" % (v, query([("since", pct(since)), ("cursor", _b64url(
        json.dumps({"id": rng.randint(1, 10**6), "ts": since}).encode()))]))


def static(rng):
    shape = rng.randrange(8)
    h = _hex(rng, rng.choice([8, 10, 20]))
    if shape == 0:
        return "GET", "/static/js/%s.%s.js" % (rng.choice(["main", "vendor", "runtime", "app", "chunk-" + _hex(rng, 4)]), h)
    if shape == 1:
        return "GET", "/assets/css/%s.css?v=%d.%d.%d" % (rng.choice(["main", "print", "theme-dark"]),
                                                         rng.randint(1, 5), rng.randint(0, 20), rng.randint(0, 9))
    if shape == 2:
        return "GET", "/images/products/%d-%s.%s" % (rng.randint(10**5, 10**7), rng.choice(["large", "thumb", "400x400"]),
                                                     rng.choice(["jpg", "webp", "png", "avif"]))
    if shape == 3:
        return "GET", rng.choice(["/favicon.ico", "/robots.txt", "/sitemap.xml", "/apple-touch-icon.png",
                                  "/manifest.webmanifest", "/site.webmanifest", "/ads.txt", "/humans.txt",
                                  "/.well-known/security.txt", "/sitemap_index.xml", "/browserconfig.xml"])
    if shape == 4:
        return "GET", "/fonts/%s-v30-latin-%s.woff2" % (rng.choice(["roboto", "inter", "open-sans", "lato"]),
                                                       rng.choice(["regular", "700", "italic"]))
    if shape == 5:
        return "GET", "/media/%s/%s.mp4?%s" % (_hex(rng, 2), _hex(rng, 16), query([("t", str(rng.randint(0, 600)))]))
    if shape == 6:
        return "GET", "/wp-content/uploads/2026/%02d/%s-%dx%d.jpg" % (rng.randint(1, 12), _slug(rng, 1, 3),
                                                                     rng.choice([300, 768, 1024]), rng.choice([200, 512, 683]))
    return "GET", "/_next/image?" + query([("url", pct("/images/hero-%s.png" % _hex(rng, 6), safe="")),
                                           ("w", str(rng.choice([640, 828, 1080, 1920]))), ("q", "75")])


def forum(rng):
    shape = rng.randrange(5)
    if shape == 0:
        return "GET", "/t/%s/%d/%d" % (_slug(rng), rng.randint(1000, 99999), rng.randint(1, 80))
    if shape == 1:
        return "GET", "/forum/viewtopic.php?" + query([("f", str(rng.randint(1, 40))), ("t", str(rng.randint(10**3, 10**6)))] +
                                                      _maybe(rng, 0.4, [("start", str(15 * rng.randint(1, 30)))]))
    if shape == 2:
        return "GET", "/u/" + pct_path(rng.choice(FIRST) + "_" + rng.choice(LAST).lower())
    if shape == 3:
        return "GET", "/search.json?" + query([("q", _enc(rng, _text(rng))), ("expanded", "true")])
    return "POST", "/posts"


def docs(rng):
    shape = rng.randrange(5)
    lang = rng.choice(["en", "de", "ja", "zh-cn", "pt-br", "es"])
    if shape == 0:
        return "GET", "/docs/%s/latest/%s/%s.html" % (lang, _slug(rng, 1, 2), _slug(rng, 1, 3))
    if shape == 1:
        return "GET", "/docs/search.html?" + query([("q", _enc(rng, _text(rng))), ("check_keywords", "yes"), ("area", "default")])
    if shape == 2:
        return "GET", "/reference/%s/%s" % (rng.choice(["api", "cli", "config"]), _slug(rng, 1, 2))
    if shape == 3:
        return "GET", "/download/%s-%d.%d.%d.tar.gz" % (rng.choice(["toolkit", "agent", "sdk"]), rng.randint(1, 4),
                                                        rng.randint(0, 30), rng.randint(0, 9))
    return "GET", "/changelog?" + query([("from", "%d.%d" % (rng.randint(1, 3), rng.randint(0, 9))),
                                         ("to", "%d.%d" % (rng.randint(3, 5), rng.randint(0, 9)))])


def travel(rng):
    a, b = rng.sample(CITIES, 2)
    shape = rng.randrange(4)
    if shape == 0:
        return "GET", "/flights?" + query([("from", _enc(rng, a)), ("to", _enc(rng, b)),
                                           ("depart", "2026-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))),
                                           ("adults", str(rng.randint(1, 4))), ("cabin", rng.choice(["economy", "business"]))])
    if shape == 1:
        return "GET", "/hotels/" + pct_path(a.lower().replace(" ", "-")) + "?" + query(
            [("checkin", "2026-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))), ("nights", str(rng.randint(1, 14))),
             ("guests", str(rng.randint(1, 6)))] + _maybe(rng, 0.4, [("amenities", pct("wifi,pool,parking"))]))
    if shape == 2:
        return "GET", "/maps/place/" + pct_path(a) + "/@%.5f,%.5f,%dz" % (rng.uniform(-60, 70), rng.uniform(-170, 170),
                                                                        rng.randint(5, 18))
    return "GET", "/reviews?" + query([("hotel", str(rng.randint(10**4, 10**6))), ("reviewer", _enc(
        rng, rng.choice(FIRST).capitalize() + " " + rng.choice(LAST)))])


def auth(rng):
    shape = rng.randrange(5)
    if shape == 0:
        return "GET", "/login?" + query([("next", pct("/account/orders?page=%d" % rng.randint(1, 5), safe=""))])
    if shape == 1:
        return "GET", "/verify-email?" + query([("token", _b64url(bytes(rng.getrandbits(8) for _ in range(48))))])
    if shape == 2:
        return "GET", "/auth/callback?" + query([("code", _b64url(bytes(rng.getrandbits(8) for _ in range(24)))),
                                                 ("state", _hex(rng, 32))])
    if shape == 3:
        return "GET", "/reset-password?" + query([("t", _jwt(rng))])
    return "POST", "/login"


def tracking(rng):
    path = rng.choice(["/", "/landing/" + _slug(rng, 1, 3), "/blog/" + _slug(rng), "/pricing", "/signup"])
    return "GET", path + "?" + query(_tracking(rng) or [("ref", "homepage")])


def i18n(rng):
    t = rng.choice(I18N + CITIES)
    shape = rng.randrange(4)
    if shape == 0:
        return "GET", "/search?" + query([("q", _enc(rng, t))])
    if shape == 1:
        return "GET", "/" + rng.choice(["ru", "ja", "ar", "zh", "de", "fr"]) + "/" + pct_path(t.replace(" ", "-"))
    if shape == 2:
        return "GET", "/api/translate?" + query([("text", pct(t)), ("source", "auto"), ("target", "en")])
    return "GET", "/profile?" + query([("name", _enc(rng, rng.choice(FIRST).capitalize() + " " + rng.choice(LAST))),
                                       ("city", _enc(rng, rng.choice(CITIES)))])


def tricky(rng):
    t = rng.choice(TRICKY)
    shape = rng.randrange(5)
    if shape == 0:
        return "GET", "/search?" + query([("q", _enc(rng, t))])
    if shape == 1:
        return "GET", "/comments?" + query([("post", str(rng.randint(1, 10**5))), ("comment", _enc(rng, t))])
    if shape == 2:
        return "GET", "/users?" + query([("last_name", _enc(rng, rng.choice(LAST)))])
    if shape == 3:
        return "GET", "/blog/" + _slug(rng, 2, 5) + "?" + query([("highlight", _enc(rng, t))])
    return "GET", "/products?" + query([("q", _enc(rng, t)), ("sort", rng.choice(SORTS))])


def feed(rng):
    return "GET", rng.choice(["/feed", "/rss.xml", "/atom.xml", "/feed/podcast", "/blog/feed?" + query(
        [("paged", str(rng.randint(1, 9)))]), "/category/" + rng.choice(WORDS) + "/feed/"])


# kind -> (generator, weight). Weights roughly follow a mixed hosting provider's traffic.
GENERATORS = {
    "shop": (shop, 14), "news": (news, 10), "wiki": (wiki, 8), "search": (search, 12), "api": (api, 12),
    "static": (static, 14), "forum": (forum, 5), "docs": (docs, 5), "travel": (travel, 5), "auth": (auth, 4),
    "tracking": (tracking, 5), "i18n": (i18n, 6), "tricky": (tricky, 6), "feed": (feed, 2),
}

HOSTS = {"shop": "shop.example.com", "news": "news.example.org", "wiki": "wiki.example.org", "api": "api.example.io"}


def _agent(rng, kind, method):
    if kind == "feed" and rng.random() < 0.5:
        return rng.choice(APPS[-1:] + CRAWLERS[:3])
    if kind == "api" and rng.random() < 0.5:
        return rng.choice(APPS)
    r = rng.random()
    if r < 0.55:
        return rng.choice(BROWSERS)
    if r < 0.8:
        return rng.choice(MOBILE)
    if r < 0.95 and method in ("GET", "HEAD"):
        return rng.choice(CRAWLERS)
    return rng.choice(APPS)


def _referer(rng, kind, agent):
    if agent in CRAWLERS or agent in APPS or rng.random() < 0.4:
        return ""
    host = HOSTS.get(kind, "www.example.com")
    r = rng.random()
    if r < 0.45:
        return "https://%s/%s" % (host, rng.choice(["", "c/" + rng.choice(CATEGORIES), _slug(rng, 1, 3), "search?q=" +
                                                     pct_form(_words(rng, 1, 3))]))
    if r < 0.8:
        return rng.choice(SEARCH_ENGINES).format(q=pct_form(_text(rng)))
    return rng.choice(SOCIAL).format(tok=_b64url(bytes(rng.getrandbits(8) for _ in range(8))), host=host,
                                     word=rng.choice(WORDS), num=rng.randint(10**7, 10**8))


def benign_request(rng):
    """POSTs are labelled benign:post and the REST verbs benign:rest whatever site they come from: a
    log line carries no body and no Content-Length, so replayed they get CRS's 920180 (POST without
    Content-Length), and PUT/PATCH/DELETE are outside CRS's default tx.allowed_methods (911100). Both
    are flagged for what the log cannot say, not for their content; the labels keep them apart."""
    kinds = list(GENERATORS)
    while True:
        kind = rng.choices(kinds, weights=[GENERATORS[k][1] for k in kinds])[0]
        method, target = GENERATORS[kind][0](rng)
        if method != "POST" or rng.random() < 0.5:  # ~1.5 % POST, as on a mostly-reading site
            break
    if kind == "api" and rng.random() < 0.03:
        method = rng.choice(["PUT", "PATCH", "DELETE"])
    agent = _agent(rng, kind, method)
    label = {"POST": "post", "PUT": "rest", "PATCH": "rest", "DELETE": "rest"}.get(method, kind)
    return label, method, target, _referer(rng, kind, agent), agent
