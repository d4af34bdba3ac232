#!/usr/bin/env bash
# Node for this checkout: the version in .nvmrc (Node 24 LTS).
#
#   eval "$(scripts/node.sh)"   # or: source scripts/node.sh
#
# When the node on PATH is older than .nvmrc's major version, installs the exact .nvmrc version
# from the npm registry (the node-linux-<arch> package carries the binary) into .node/<version>/
# (ignored, kept between runs, verified with `node --version`) and puts its bin/ first on PATH;
# npm and npx then run under it too. A node of that major version or newer is used as it is.
# Executed, it prints the `export PATH=...` line (nothing when the node on PATH will do);
# sourced, it sets PATH in the calling shell. Progress goes to stderr. Linux x64 and arm64;
# elsewhere install Node from nodejs.org or with nvm (`nvm use` reads .nvmrc).

node_sh_main() {
  local root version major current arch dir tmp tarball
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  version="$(tr -d ' \t\r\nv' <"$root/.nvmrc")"
  if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "scripts/node.sh: .nvmrc must hold an exact version such as 24.22.3, not '$version'" >&2
    return 1
  fi
  major="${version%%.*}"

  current="$(node --version 2>/dev/null || true)"
  current="${current#v}"
  if [[ -n "$current" && "${current%%.*}" -ge "$major" ]]; then
    echo "scripts/node.sh: using node v$current from $(command -v node)" >&2
    return 0
  fi

  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) arch=linux-x64 ;;
    Linux-aarch64 | Linux-arm64) arch=linux-arm64 ;;
    *)
      echo "scripts/node.sh: node v${current:-none} is older than $major; install Node $version" \
        "yourself (nodejs.org or \`nvm use\`) on $(uname -s)-$(uname -m)" >&2
      return 1
      ;;
  esac

  dir="$root/.node/$version"
  if [[ "$("$dir/bin/node" --version 2>/dev/null)" != "v$version" ]]; then
    echo "scripts/node.sh: installing node v$version ($arch) into .node/$version" >&2
    mkdir -p "$root/.node" || return 1
    tmp="$(mktemp -d "$root/.node/.install.XXXXXX")" || return 1
    # npm pack fetches the exact version and checks it against the registry's integrity hash.
    if ! tarball="$(cd "$tmp" && npm pack --loglevel=error "node-$arch@$version")" ||
      ! tar -xzf "$tmp/$tarball" -C "$tmp" ||
      [[ "$("$tmp/package/bin/node" --version 2>/dev/null)" != "v$version" ]]; then
      echo "scripts/node.sh: could not install node-$arch@$version" >&2
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir" && mv "$tmp/package/bin" "$dir/bin" && rm -rf "$tmp" || return 1
  fi
  echo "scripts/node.sh: using node v$version from .node/$version/bin" >&2
  NODE_SH_BIN="$dir/bin"
}

NODE_SH_BIN=''
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced: change the caller's PATH.
  if node_sh_main; then
    [[ -n "$NODE_SH_BIN" ]] && export PATH="$NODE_SH_BIN:$PATH"
    unset NODE_SH_BIN
    unset -f node_sh_main
  else
    unset NODE_SH_BIN
    unset -f node_sh_main
    return 1
  fi
else
  set -uo pipefail
  node_sh_main || exit 1
  if [[ -n "$NODE_SH_BIN" ]]; then
    printf 'export PATH=%q:"$PATH"\n' "$NODE_SH_BIN"
  fi
fi
