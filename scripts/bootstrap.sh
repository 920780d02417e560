# Sourced by scripts/test, scripts/demo and scripts/bench: installs what is missing on a
# fresh Debian machine (Mercurial and friends from apt, node modules from the lock file)
# and rebuilds when the sources are newer than the build.
set -euo pipefail

TASKGATE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need_apt=()
command -v hg >/dev/null 2>&1 || need_apt+=(mercurial)
[ -x /usr/bin/python3 ] || need_apt+=(python3)
/usr/bin/python3 -c 'import mercurial' >/dev/null 2>&1 || need_apt+=(mercurial)
# tasks run in bubblewrap (DESIGN §14)
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
# a script may ask for more Debian packages in TASKGATE_APT (space-separated)
for pkg in ${TASKGATE_APT:-}; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need_apt[*]} with apt-get" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

cd "$TASKGATE_ROOT"
# node_modules is stale when the lock file changed since the last install
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
# the build is stale when any source is newer than it
if [ ! -f dist/cli.js ] || [ -n "$(find src scripts/build.mjs scripts/gen-validators.mjs scripts/load-bundle.cjs package-lock.json -newer dist/cli.js -print -quit 2>/dev/null)" ]; then
  echo "bootstrap: building" >&2
  node scripts/build.mjs >&2
fi
