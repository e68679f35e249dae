#!/usr/bin/env bash
# Installs everything lifespan needs to build, test and run, from Debian bookworm packages only.
# Idempotent: packages already present are left alone; nothing is downloaded from anywhere but apt.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build make pkg-config ccache
  # libraries
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libboost1.81-dev libboost-url1.81-dev
  prometheus-cpp-dev
  # data: SQLite embedded, PostgreSQL for deployments (the server runs the tests), through SOCI
  libsoci-dev libsqlite3-dev libpq-dev postgresql zlib1g-dev
  # models and detection
  libxgboost-dev libhyperscan-dev
  # the OWASP Core Rule Set vigil runs, PCRE2 for the patterns Hyperscan cannot take, and
  # libmodsecurity3 (its libinjection for @detectSQLi/@detectXSS; the reference engine in tests)
  modsecurity-crs libpcre2-dev libmodsecurity-dev
  # attack payload lists the detection corpora are drawn from
  wfuzz sqlmap
  libssl-dev  # models: SHA-256 of model files (OpenSSL EVP)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the fuzz targets (tests/fuzz, `make fuzz`): clang with libFuzzer, ASan and UBSan
  clang libfuzzer-14-dev
  # HTTP benchmarks (bench/run-http): load generator and the FastAPI peer
  wrk python3-fastapi python3-uvicorn
  # deployment tests (tests/deploy): the load balancer in front of the replicas; systemd-analyze verify
  haproxy systemd
  # peers measured against in the same run (vigil scan vs fail2ban-regex)
  fail2ban
  # vigil's end-to-end test: a real nginx writing the access log vigil tails
  nginx
  # the dashboard tests: real headless browsers (chromium over CDP, firefox-esr over WebDriver BiDi)
  chromium firefox-esr
  # vigil's GeoIP component (MaxMind DB reader); tests write their own small database with the Perl writer
  libmaxminddb-dev libmaxmind-db-writer-perl
  # alert delivery: Redis streams (a real redis-server in the tests) and webhooks through libcurl
  libhiredis-dev redis-server libcurl4-openssl-dev
  # the comparison report's charts (bench/run-all)
  python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "setup: installing from Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
