#!/usr/bin/env bash
# The Debian packages as a user gets them (CTest, tests/install/CMakeLists.txt). Steps, one CTest test each:
#   build    cpack -G DEB in the build directory -> vigil, liblifespan-dev, lifespan-sim .debs in WORK
#   contents control data: conffiles, maintainer scripts, dpkg-shlibdeps' Depends, the file lists
#   serve    vigil extracted with dpkg-deb -x into a fresh root under /tmp (outside any build tree):
#            no source or build path in the binary, --version says the bundled files were found next to
#            the executable (--bundled-files), check-config accepts the packaged /etc/vigil/vigil.yaml, and serve on it
#            answers /readyz 200 and the dashboard with the packaged rules, web files and model
#   unit     systemd-analyze verify accepts the packaged unit, with no warning
#   sim      lifespan-sim extracted: --version, and a two-component graph runs once
#   install  no package: `cmake --install --component vigil` into a fresh prefix; that vigil names no
#            path of the checkout either, and finds its files next to itself
# Usage: package_test.sh STEP BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
step=$1 build=$2 source=$3 work=$4
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
deb() { echo "$work/$1_${version}_${arch}.deb"; }
fail() { echo "package test ($step): $*" >&2; exit 1; }

# The binary names neither the source nor the build tree (captured first: grep -q would cut a pipe
# short, which pipefail counts as a failure).
names_no_tree() {
  local text
  text=$(strings -n 8 "$1")
  for tree in "$source" "$build"; do
    if grep -qF "$tree" <<<"$text"; then fail "$1 names $tree: $(grep -F "$tree" <<<"$text" | head -3)"; fi
  done
}

# A fresh root under /tmp, removed on exit: nothing in it can fall back to the build or source tree.
extract() {
  root=$(mktemp -d /tmp/lifespan-package-test.XXXXXX)
  trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$root"' EXIT
  dpkg-deb -x "$(deb "$1")" "$root"
}

# HTTP/1.1 GET over bash's /dev/tcp; prints the status code, writes the body into $3 when given.
http_get() {
  local address=$1 path=$2 out=${3:-/dev/null} host=${1%:*} port=${1##*:}
  exec 3<>"/dev/tcp/$host/$port" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$address" >&3
  cat <&3 >"$work/response.raw"
  exec 3<&-
  sed '1,/^\r$/d' "$work/response.raw" >"$out"
  head -1 "$work/response.raw" | cut -d' ' -f2
}

case $step in
build)
  rm -rf "$work"
  mkdir -p "$work"
  cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack failed"; }
  for p in vigil liblifespan-dev lifespan-sim; do
    [ -f "$(deb $p)" ] || fail "$(deb $p) was not produced (cpack.log: $work/cpack.log)"
  done
  ls -l "$work"/*.deb
  ;;
contents)
  conffiles=$(dpkg-deb --ctrl-tarfile "$(deb vigil)" | tar -xO ./conffiles)
  [ "$conffiles" = /etc/vigil/vigil.yaml ] || fail "vigil's conffiles are '$conffiles', expected /etc/vigil/vigil.yaml"
  control=$(dpkg-deb --ctrl-tarfile "$(deb vigil)" | tar -t)
  for f in ./postinst ./prerm ./postrm; do
    grep -qx "$f" <<<"$control" || fail "vigil has no $f (postinst: the user and /var/lib/vigil)"
  done
  depends=$(dpkg-deb -f "$(deb vigil)" Depends)
  for d in libc6 libstdc++6 libhyperscan5 adduser libxgboost0; do  # dpkg-shlibdeps found the linked ones
    [[ $depends == *"$d"* ]] || fail "vigil's Depends lacks $d: $depends"
  done
  files=$(dpkg-deb -c "$(deb vigil)" | awk '{print $6}')
  for f in ./usr/bin/vigil ./etc/vigil/vigil.yaml ./usr/share/vigil/rules/default.yaml ./usr/share/vigil/web/index.html \
           ./usr/share/vigil/config/vigil.yaml ./usr/share/vigil/models/threat/1/manifest.json \
           ./usr/lib/systemd/system/vigil.service ./usr/share/man/man1/vigil.1.gz ./usr/share/doc/vigil/copyright \
           ./usr/share/doc/vigil/notify-reload.conf; do
    grep -qx "$f" <<<"$files" || fail "vigil lacks $f"
  done
  dev=$(dpkg-deb -c "$(deb liblifespan-dev)" | awk '{print $6}')
  for f in lifespan/lifespanConfig.cmake lifespan/lifespanConfigVersion.cmake lifespan/lifespan-core-targets.cmake \
           liblifespan_core.a include/lifespan/core/service.hpp doc/liblifespan-dev/copyright; do
    grep -q "$f\$" <<<"$dev" || fail "liblifespan-dev lacks $f"
  done
  if grep -q '/usr/bin/vigil\|/usr/share/vigil' <<<"$dev"; then fail "liblifespan-dev carries vigil's files"; fi
  echo "contents: as expected; vigil Depends: $depends"
  ;;
serve)
  extract vigil
  vigil=$root/usr/bin/vigil
  names_no_tree "$vigil"
  grep -q "^vigil $version (git " <<<"$("$vigil" --version)" || fail "vigil --version: $("$vigil" --version)"
  found=$("$vigil" --bundled-files)
  [ "$found" = "$root/usr/share/vigil (found by executable)" ] || fail "vigil --bundled-files: $found"
  cd "$root"  # relative paths resolve in the throwaway root too
  "$vigil" check-config --config "$root/etc/vigil/vigil.yaml" || fail "check-config rejected the packaged /etc/vigil/vigil.yaml"
  run=$root/run && mkdir -p "$run"
  : >"$run/access.log"
  # The packaged configuration, with only the host-specific keys moved into the throwaway root: the
  # database (the package's comes from VIGIL__DB__URL), the tailed log, a free port, no Redis to reach.
  "$vigil" serve --config "$root/etc/vigil/vigil.yaml" --set "db.url=sqlite://$run/vigil.db" \
    --set "tailer.paths=[$run/access.log]" --set http.address=127.0.0.1 --set http.port=0 \
    --set "http.address_file=$run/address" --set "models.root=$root/usr/share/vigil/models" \
    --set "geoip.path=$run/none.mmdb" --set redis.enabled=false --set shutdown.readiness_delay=0s \
    --set logging.format=text >"$run/vigil.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do [ -s "$run/address" ] && break; kill -0 $pid || fail "vigil exited: $(cat "$run/vigil.log")"; sleep 0.1; done
  address=$(cat "$run/address")
  status=
  for _ in $(seq 600); do
    status=$(http_get "$address" /readyz) || true
    [ "$status" = 200 ] && break
    kill -0 $pid || fail "vigil exited: $(cat "$run/vigil.log")"
    sleep 0.1
  done
  [ "$status" = 200 ] || fail "/readyz answered '$status' after 60 s: $(tail -20 "$run/vigil.log")"
  [ "$(http_get "$address" /ui "$run/ui.html")" = 200 ] && cmp -s "$run/ui.html" "$root/usr/share/vigil/web/index.html" ||
    fail "/ui is not the packaged dashboard: $(head -c 300 "$run/ui.html")"
  for _ in $(seq 300); do  # the packaged model is served (models is a background component: it may follow readiness)
    [ "$(http_get "$address" /models/threat "$run/model.json")" = 200 ] && grep -q '"serving":1' "$run/model.json" && break
    sleep 0.1
  done
  grep -q '"serving":1' "$run/model.json" && grep -qF "\"dir\":\"$root/usr/share/vigil/models/threat/1\"" "$run/model.json" ||
    fail "the packaged model is not served: $(head -c 400 "$run/model.json")"
  kill -TERM $pid
  wait $pid || fail "vigil exited $? on SIGTERM: $(tail -20 "$run/vigil.log")"
  pid=
  echo "serve: /readyz 200 at $address, dashboard and model from $root/usr/share/vigil"
  ;;
unit)
  extract vigil
  unit=$root/usr/lib/systemd/system/vigil.service
  # verify checks that ExecStart's program exists: point it at the extracted binary.
  sed -i "s|^ExecStart=/usr/bin/vigil|ExecStart=$root/usr/bin/vigil|" "$unit"
  out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify failed: $out"
  [ -z "$out" ] || fail "systemd-analyze verify warned: $out"
  echo "unit: systemd $(systemd-analyze --version | head -1 | cut -d' ' -f2) accepts it"
  ;;
sim)
  extract lifespan-sim
  grep -q "^lifespan-sim $version (git " <<<"$("$root/usr/bin/lifespan-sim" --version)" || fail "lifespan-sim --version"
  printf 'store: {start: 20ms, stop: 10ms}\napi: {start: 10ms, stop: 10ms, requires: [store]}\n' >"$root/graph.yaml"
  out=$("$root/usr/bin/lifespan-sim" --config "$root/graph.yaml" --once 2>&1) || fail "lifespan-sim --once failed: $out"
  grep -q "critical path" <<<"$out" || fail "lifespan-sim --once printed no timeline: $out"
  echo "sim: runs a graph once"
  ;;
install)
  root=$(mktemp -d /tmp/lifespan-install-test.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  cmake --install "$build" --prefix "$root/prefix" --component vigil >/dev/null
  names_no_tree "$root/prefix/bin/vigil"
  found=$("$root/prefix/bin/vigil" --bundled-files)
  [ "$found" = "$root/prefix/share/vigil (found by executable)" ] || fail "vigil --bundled-files: $found"
  [ -f "$root/prefix/etc/vigil/vigil.yaml" ] || fail "no $root/prefix/etc/vigil/vigil.yaml"
  echo "install: $root/prefix/bin/vigil names no tree and finds $found"
  ;;
*) fail "unknown step '$step'" ;;
esac
