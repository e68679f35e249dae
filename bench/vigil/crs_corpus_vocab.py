"""Vocabulary for the CRS corpora (crs_corpus.py): real user agents, words, names, places and phrases
in many languages, and the tricky-but-benign phrases that look like attacks to a naive filter.
Data only; the generators live in crs_corpus_benign.py and crs_corpus_attacks.py.
"""

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36 OPR/104.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 YaBrowser/23.11.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0 Waterfox/G5.1.12",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/119.0.6045.199 Chrome/119.0.6045.199 Safari/537.36",
]

MOBILE = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 311.0.2.20.103",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/444.0.0.0.110;]",
]

CRAWLERS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.199 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Qwantify/2.4w; +https://www.qwant.com/)/2.4w",
]

APPS = [
    "okhttp/4.11.0",
    "MyShop/5.12.1 (iPhone; iOS 17.1.2; Scale/3.00)",
    "NewsReader/3.4 CFNetwork/1474 Darwin/23.0.0",
    "Dalvik/2.1.0 (Linux; U; Android 13; SM-G991B Build/TP1A.220624.014)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.35.131 Chrome/118.0.5993.159 Electron/27.0.3 Safari/537.36",
    "Spotify/8.8.96 Android/33 (SM-S911B)",
    "Podcasts/1.1.0 (iPhone; iOS 17.1)",
    "UptimeRobot/2.0 (+http://www.uptimerobot.com/)",
    "Prometheus/2.45.0",
    "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers; like FeedFetcher-Google)",
]

WORDS = ("time year people way day man thing woman life child world school state family student group "
         "country problem hand part place case week company system program question work government number "
         "night point home water room mother area money story fact month lot right study book eye job word "
         "business issue side kind head house service friend father power hour game line end member law car "
         "city community name president team minute idea kid body information back parent face others level "
         "office door health person art war history party result change morning reason research girl guy "
         "moment air teacher force education garden coffee travel music recipe weather market energy climate "
         "bicycle mountain river island summer winter holiday camera guitar kitchen window bridge forest").split()

PRODUCTS = ["wireless headphones", "running shoes", "espresso machine", "yoga mat", "usb-c hub", "desk lamp",
            "mechanical keyboard", "winter jacket", "coffee grinder", "cast iron skillet", "bluetooth speaker",
            "backpack 30l", "smart watch", "air fryer", "phone case", "4k monitor", "office chair",
            "water bottle", "tent 2 person", "hiking boots", "electric toothbrush", "robot vacuum",
            "gaming mouse", "kids bike", "leather wallet", "sunglasses", "rain boots", "blender"]
BRANDS = ["acme", "nordwind", "lumen", "pixelworks", "terra", "hausmann", "kiko", "orbit", "sakura", "vela"]
CATEGORIES = ["electronics", "books", "home-garden", "toys", "sports-outdoors", "fashion/women", "fashion/men",
              "beauty", "grocery", "automotive", "pet-supplies", "office", "music-instruments", "baby"]
COLORS = ["black", "white", "navy", "red", "olive", "beige", "grey", "pink", "teal"]
SORTS = ["price_asc", "price_desc", "relevance", "newest", "rating", "popularity", "-created_at", "name"]

FIRST = ["anna", "james", "maria", "li", "fatima", "oleksandr", "sofia", "kenji", "amara", "lucas", "chloe",
         "mateo", "aisha", "noah", "emma", "ravi", "zoe", "pierre", "ingrid", "tomasz"]
LAST = ["smith", "garcia", "O'Brien", "D'Angelo", "Müller", "Núñez", "Kowalski", "Nguyen", "O'Neill", "Dubois",
        "Johansson", "Okafor", "Rossi", "Tanaka", "Van der Berg", "Al-Rashid", "MacDonald", "Øvergaard"]

CITIES = ["Berlin", "Zürich", "São Paulo", "Kraków", "Montréal", "Reykjavík", "Москва", "Київ", "東京", "北京",
          "서울", "القاهرة", "תל אביב", "Αθήνα", "İstanbul", "Ciudad de México", "München", "Malmö", "Łódź",
          "Hà Nội", "New York", "San Francisco", "Cape Town", "Nairobi", "Mumbai", "मुंबई", "Sydney"]

I18N = [
    "купить ноутбук недорого", "погода в москве на неделю", "рецепт борща", "как выучить английский",
    "北京 天气", "机票 上海 到 北京", "二手 自行车", "東京 ラーメン おすすめ", "新幹線 予約", "カメラ 比較",
    "서울 맛집 추천", "노트북 가격 비교", "مطاعم في دبي", "سعر الذهب اليوم", "تعلم البرمجة",
    "מתכון לחלה", "καιρός αθήνα", "café crème brûlée recette", "où acheter un vélo électrique",
    "mañana lluvia en español", "niño pequeño zapatos", "Straßenbahn Fahrplan München", "Größe Übersicht Schuhe",
    "pão de queijo receita fácil", "ação promoção São Paulo", "żółta ćma w łazience", "İstanbul'da kahvaltı",
    "cà phê sữa đá", "hình nền điện thoại", "हिंदी समाचार आज", "ราคาทองวันนี้", "çok güzel şarkılar",
    "smörgåsbord recept", "Ærø færge", "naïve café résumé", "jalapeño salsa", "façade renovation",
]

# Ordinary prose that contains SQL keywords, quotes, angle brackets, ampersands and other characters
# that a keyword filter (but not a good WAF) would object to.
TRICKY = [
    "select a union rep", "how to drop shipping", "O'Brien", "I love <3 cats", "rock & roll hall of fame",
    "delete my account", "update firmware router", "insert coin arcade", "executive summary template",
    "script writing tips", "alert box color css", "where to buy union jack flag", "order by date",
    "tom & jerry", "5 > 3 math worksheet", "it's a wonderful life", "don't stop me now",
    "C++ tutorial for beginners", "what is 100% cotton", "rose's bakery", "table for two",
    "from dusk till dawn", "join the club", "null pointer meaning", "Johnson & Johnson shampoo",
    "select committee report", "union station chicago", "drop-down menu html", "truncate a number",
    "having fun with kids", "grant application deadline", "case study examples", "char siu pork",
    "like a rolling stone", "group by meaning", "sleep better tips", "benchmark laptops 2026",
    "cast of friends", "declare war on clutter", "exec chair", "wait for it", "set the table",
    "1 + 1 = 2", "50% off sale", "Q&A session", "M&M's", "a/b testing", "half & half", "re: meeting notes",
    "rock 'n' roll", "you & me", "\"quoted title\"", "email me at anna@example.org",
]

WIKI_TITLES = ["Albert_Einstein", "Union_(set_theory)", "Select_(SQL)", "Drop_(liquid)", "O'Brien", "Café",
               "São_Paulo", "List_of_cats", "Ampersand", "Less-than_sign", "Script_(Unicode)", "Alert_(film)",
               "Javascript", "C++", "Rock_%26_roll", "Москва", "東京都", "Øresund_Bridge", "Where_(SQL)",
               "Exec_(computing)", "Null_(SQL)", "Mount_Everest", "Photosynthesis", "Byzantine_Empire",
               "Ada_Lovelace", "Python_(programming_language)", "Hypertext_Transfer_Protocol", "Zürich"]

SEARCH_ENGINES = [
    "https://www.google.com/", "https://www.google.de/", "https://www.bing.com/search?q={q}&form=QBLH",
    "https://duckduckgo.com/", "https://search.yahoo.com/search?p={q}", "https://yandex.ru/search/?text={q}",
    "https://www.baidu.com/s?wd={q}", "https://www.ecosia.org/search?q={q}",
]
SOCIAL = ["https://t.co/{tok}", "https://l.facebook.com/l.php?u=https%3A%2F%2F{host}%2F&h=AT{tok}",
          "https://www.reddit.com/r/{word}/comments/{tok}/", "https://news.ycombinator.com/item?id={num}",
          "android-app://com.google.android.gm/", "https://lm.facebook.com/", "https://www.linkedin.com/"]
