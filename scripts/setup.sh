#!/usr/bin/env bash
# Installs what gauntlet needs and is missing; silent when nothing is missing.
# Called by `npm start`, `npm test`, `npm run bench` and .ci/run, so a fresh machine needs no
# manual step. Each part checks before it acts, so running it twice does nothing the second time.
#
# Exit codes: 0 ready, 3 a prerequisite could not be installed (same code as gauntlet's set-up errors).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOXIPROXY_VERSION="2.12.0"
TOXIPROXY_DIR="$ROOT/.tools/toxiproxy-$TOXIPROXY_VERSION"
APT_PACKAGES=(redis-server redis-sentinel redis-tools)
WANT_PROMETHEUS="${GAUNTLET_SETUP_PROMETHEUS:-0}"
WANT_BROWSER=0
K8S_VALIDATE_VERSION="1.37.0"
K8S_VALIDATE_DIR="$ROOT/.tools/kubernetes-validate-$K8S_VALIDATE_VERSION"
WANT_K8S_VALIDATOR=0
CFN_LINT_VERSION="1.58.0"
CFN_LINT_DIR="$ROOT/.tools/cfn-lint-$CFN_LINT_VERSION"
WANT_CFN_LINT=0
WANT_COMPOSE=0
for arg in "$@"; do
  case "$arg" in
    --with-compose) WANT_COMPOSE=1 ;; # Debian's docker-compose (v1): validates compose/ offline, no engine needed
    --with-browser) WANT_BROWSER=1 ;; # Debian's Chromium, for the HTML report test (playwright-core drives it)
    --with-monitoring) WANT_PROMETHEUS=1 ;; # prometheus (with promtool), the redis exporter, blackbox_exporter (config check)
    --with-k8s-validator) WANT_K8S_VALIDATOR=1 ;; # kubernetes-validate, for the offline check of deploy/kubernetes/
    --with-cfn-lint) WANT_CFN_LINT=1 ;; # cfn-lint, for the CloudWatch alarms template deploy/cloudwatch/alarms.yaml
    *) echo "gauntlet setup: unknown option $arg" >&2; exit 3 ;;
  esac
done

fail() { echo "gauntlet setup: $*" >&2; exit 3; }
say() { echo "gauntlet setup: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    fail "need root to run: $* (run as root or install sudo)"; fi
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || fail "missing ${missing[*]} and no apt-get here; install them by hand"
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || fail "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
  # The packages start system services; gauntlet never uses them (it starts its own processes on
  # free ports), so stop them to keep port 6379/26379 and memory free. Harmless where no systemd runs.
  for svc in redis-server redis-sentinel; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
      as_root systemctl stop "$svc" >/dev/null 2>&1 || true
    fi
  done
}

# 1. npm dependencies: reinstall only when package-lock.json changed since the last install.
stamp="$ROOT/node_modules/.gauntlet-lock-stamp"
lock_sum="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  say "installing npm dependencies (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm ci failed"
  echo "$lock_sum" >"$stamp"
fi

# 2. Redis 7 server, sentinel and tools from Debian.
apt_install "${APT_PACKAGES[@]}"
redis_version="$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')"
major="${redis_version%%.*}"
if [ -z "$major" ] || [ "$major" -lt 7 ]; then
  fail "redis-server ${redis_version:-unknown} found at $(command -v redis-server); gauntlet needs Redis 7.0 or newer"
fi

# 3. Optional monitoring stack (only for runs that ask for it).
if [ "$WANT_PROMETHEUS" = 1 ]; then apt_install prometheus prometheus-redis-exporter prometheus-blackbox-exporter; fi

# 3a. docker-compose for `docker-compose config` on the reference deployment (the compose test).
if [ "$WANT_COMPOSE" = 1 ]; then apt_install docker-compose; fi

# 3b. Headless Chromium for the report test (never a browser download: Debian's package).
if [ "$WANT_BROWSER" = 1 ]; then apt_install chromium; fi

# 4. Toxiproxy, pinned, built from the Go module proxy. Rebuilt only if absent or another version:
# `go version -m` reads the module version the binary was built from (the binary's own -version
# prints "git" for go-install builds, so it cannot be trusted for this check).
toxi="$TOXIPROXY_DIR/server"
if [ ! -x "$toxi" ] || ! go version -m "$toxi" 2>/dev/null | grep -q "github.com/Shopify/toxiproxy/v2[[:space:]]v$TOXIPROXY_VERSION"; then
  command -v go >/dev/null || fail "Go is needed to build Toxiproxy $TOXIPROXY_VERSION (install Go 1.22 or newer)"
  say "building Toxiproxy $TOXIPROXY_VERSION into ${TOXIPROXY_DIR#"$ROOT"/}"
  rm -rf "$TOXIPROXY_DIR" && mkdir -p "$TOXIPROXY_DIR"
  (cd "$TOXIPROXY_DIR" && GOBIN="$TOXIPROXY_DIR" go install \
    "github.com/Shopify/toxiproxy/v2/cmd/server@v$TOXIPROXY_VERSION" >/dev/null 2>"$TOXIPROXY_DIR/build.log") \
    || fail "building Toxiproxy failed; see ${TOXIPROXY_DIR#"$ROOT"/}/build.log"
fi
# 5. Optional Python tools, pinned, from PyPI into their own venv in .tools/, reinstalled only if
# absent or of another version: kubernetes-validate (it carries the Kubernetes JSON schemas 1.25 to
# 1.37, so validating deploy/kubernetes/ needs no network and no schemas here) and cfn-lint (it
# carries the CloudFormation resource specifications, so linting deploy/cloudwatch/ is offline too).
pip_tool() { # pip_tool PACKAGE VERSION DIR BINARY
  local package="$1" version="$2" dir="$3" bin="$3/bin/$4"
  # sed reads pip's whole output (grep -q would stop early, and pipefail would see pip's SIGPIPE).
  if [ -x "$bin" ] && [ "$("$dir/bin/pip" show "$package" 2>/dev/null | sed -n 's/^Version: //p')" = "$version" ]; then return 0; fi
  command -v python3 >/dev/null || apt_install python3
  say "installing $package $version into ${dir#"$ROOT"/}"
  rm -rf "$dir"
  # Debian's python3 makes venvs only with python3-venv (ensurepip) installed.
  python3 -m venv "$dir" >/dev/null 2>&1 || { rm -rf "$dir"; apt_install python3-venv; python3 -m venv "$dir" >/dev/null; } \
    || fail "cannot create a Python venv in ${dir#"$ROOT"/}"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$package==$version" >"$dir/install.log" 2>&1 \
    || fail "installing $package failed; see ${dir#"$ROOT"/}/install.log"
}
if [ "$WANT_K8S_VALIDATOR" = 1 ]; then pip_tool kubernetes-validate "$K8S_VALIDATE_VERSION" "$K8S_VALIDATE_DIR" kubernetes-validate; fi
if [ "$WANT_CFN_LINT" = 1 ]; then pip_tool cfn-lint "$CFN_LINT_VERSION" "$CFN_LINT_DIR" cfn-lint; fi
exit 0
