#!/usr/bin/env bash
# Installs everything lifespan needs to build, test and run, from Debian bookworm packages only.
# Idempotent: packages already present are left alone; nothing is downloaded from anywhere but apt.
set -euo pipefail

# Profiles, each including the one before it:
#   run    building vigil and lifespan, and what vigil uses at run time (`make run`)
#   test   the test suite's servers, browsers, tools and libraries (`make test`, `make package`)
#   bench  the peers and load generators the benchmarks compare against (`make bench`, bench/run-*)
# Usage: scripts/setup.sh [run|test|bench]   (no argument: bench, everything)
profile=${1:-bench}
case $profile in run|test|bench) ;; *) echo "setup: unknown profile '$profile'; use run, test or bench" >&2; exit 2 ;; esac

run_packages=(
  # toolchain
  g++ cmake ninja-build make pkg-config ccache
  # libraries
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libboost1.81-dev libboost-url1.81-dev
  prometheus-cpp-dev
  # data: SQLite embedded, PostgreSQL's client library for deployments, through SOCI
  libsoci-dev libsqlite3-dev libpq-dev zlib1g-dev
  # models and detection
  libxgboost-dev libhyperscan-dev
  # the OWASP Core Rule Set vigil runs, PCRE2 for the patterns Hyperscan cannot take, and
  # libmodsecurity3 (its libinjection for @detectSQLi/@detectXSS, opened at run time)
  modsecurity-crs libpcre2-dev libmodsecurity3
  libssl-dev  # models: SHA-256 of model files (OpenSSL EVP)
  # vigil's GeoIP component (MaxMind DB reader)
  libmaxminddb-dev
  # alert delivery: Redis streams through hiredis, webhooks through libcurl
  libhiredis-dev libcurl4-openssl-dev
)
test_packages=(
  # the reference SecLang engine the CRS tests compare with (libmodsecurity3's headers)
  libmodsecurity-dev
  # attack payload lists the detection corpora are drawn from
  wfuzz sqlmap
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the fuzz targets (tests/fuzz, `make fuzz`): clang with libFuzzer, ASan and UBSan
  clang libfuzzer-14-dev
  # servers the tests run for real: PostgreSQL, Redis, nginx writing the access log vigil tails,
  # HAProxy in front of the replicas (tests/deploy); systemd-analyze verify on the unit
  postgresql redis-server nginx haproxy systemd
  # the dashboard tests: real headless browsers (chromium over CDP, firefox-esr over WebDriver BiDi)
  chromium firefox-esr
  # the GeoIP tests write their own small database with the Perl writer
  libmaxmind-db-writer-perl
  # the Debian packages (`make package`, tests/install): man pages, dpkg-shlibdeps, CPack's ELF check
  help2man dpkg-dev file
)
bench_packages=(
  # HTTP benchmarks (bench/run-http): load generator and the FastAPI peer
  wrk python3-fastapi python3-uvicorn
  # peers measured against in the same run (vigil scan vs fail2ban-regex)
  fail2ban
  # the comparison report's charts (bench/run-all)
  python3-matplotlib
)
packages=("${run_packages[@]}")
[ "$profile" = run ] || packages+=("${test_packages[@]}")
[ "$profile" = bench ] && packages+=("${bench_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup ($profile): all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "setup ($profile): installing from Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
