#!/usr/bin/env python3
"""Labelled nginx access logs for the CRS work, drawn from what Debian ships (wfuzz, sqlmap and the
CRS .data phrase lists for attacks; generated traffic of many kinds of sites for benign lines).

The checked-in corpora under tests/vigil/data/crs were made with:

    bench/vigil/crs_corpus.py --split dev --seed 1 --attacks 1250 --benign 1250 -o tests/vigil/data/crs/dev
    bench/vigil/crs_corpus.py --split heldout --seed 2 --attacks 1250 --benign 1250 -o tests/vigil/data/crs/heldout

Writes OUT.log (nginx "combined" lines, escaped as nginx escapes them) and OUT.labels (one label per
line, same order): `attack:<family>:<source>` or `benign:<kind>`. --split selects one half of every
payload list by a hash of the payload (crs_corpus_text.in_split), so vigil's engine is tuned on dev
and measured on heldout without ever having seen a held-out payload. The benign half is drawn from
the same generators under a different seed stream per split. Python 3 standard library only.

Modules beside this one: crs_corpus_payloads (reading the lists), crs_corpus_attacks (attack
requests), crs_corpus_benign + crs_corpus_vocab (benign requests), crs_corpus_text (encoding).
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crs_corpus_attacks import attack_request, attack_sources  # noqa: E402
from crs_corpus_benign import benign_request  # noqa: E402
from crs_corpus_text import combined_line, stable_hash  # noqa: E402

START_EPOCH = 1796637600  # 07/Dec/2026:10:00:00 +0000


def _client(rng, attack):
    """Attackers come from a few addresses each (scanners hammer), visitors from many."""
    if attack:
        net = rng.choice([(203, 0, 113), (198, 51, 100), (185, 220, 101), (45, 155, 205)])
        return "%d.%d.%d.%d" % (net + (rng.randint(2, 40),))
    return "%d.%d.%d.%d" % (rng.choice([31, 46, 78, 81, 84, 89, 91, 95, 109, 176, 188, 212, 217]),
                            rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))


def _status(rng, attack, method):
    if attack:
        return rng.choices([200, 403, 404, 400, 500, 301], weights=[30, 20, 35, 5, 5, 5])[0]
    if method == "POST":
        return rng.choice([200, 201, 302, 303])
    return rng.choices([200, 304, 301, 302, 404], weights=[78, 10, 4, 4, 4])[0]


def _protocol(rng):
    return rng.choices(["HTTP/1.1", "HTTP/2.0", "HTTP/1.0"], weights=[70, 28, 2])[0]


def generate(seed, split, attacks, benign):
    """[(line, label)] with `attacks` attack and `benign` benign lines shuffled together."""
    # One stream per split and purpose: changing --attacks does not change the benign lines.
    rng_attack = random.Random(stable_hash("attack/%s/%d" % (split, seed)))
    rng_benign = random.Random(stable_hash("benign/%s/%d" % (split, seed)))
    rng_mix = random.Random(stable_hash("mix/%s/%d" % (split, seed)))
    sources = attack_sources(split)
    rows = []
    for _ in range(attacks):
        family, source, method, target, referer, agent = attack_request(rng_attack, sources)
        rows.append((True, method, target, referer, agent, "attack:%s:%s" % (family, source)))
    for _ in range(benign):
        kind, method, target, referer, agent = benign_request(rng_benign)
        rows.append((False, method, target, referer, agent, "benign:" + kind))
    rng_mix.shuffle(rows)
    out = []
    epoch = START_EPOCH
    for attack, method, target, referer, agent, label in rows:
        epoch += rng_mix.choice([0, 0, 1, 1, 2, 3])
        size = 0 if method == "HEAD" else int(rng_mix.lognormvariate(8.5, 1.5))
        out.append((combined_line(_client(rng_mix, attack), epoch, method, target, _protocol(rng_mix),
                                  _status(rng_mix, attack, method), size, referer, agent), label))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--attacks", type=int, default=1500)
    parser.add_argument("--benign", type=int, default=1500)
    parser.add_argument("-o", "--out", required=True, help="output prefix: writes OUT.log and OUT.labels")
    args = parser.parse_args()
    rows = generate(args.seed, args.split, args.attacks, args.benign)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".log", "w", encoding="ascii", newline="\n") as log, \
            open(args.out + ".labels", "w", encoding="ascii", newline="\n") as labels:
        for line, label in rows:
            log.write(line + "\n")
            labels.write(label + "\n")
    print("%s.log: %d lines (%d attack, %d benign, split %s)" % (args.out, len(rows), args.attacks, args.benign,
                                                                args.split), file=sys.stderr)


if __name__ == "__main__":
    main()
