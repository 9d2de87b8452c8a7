# Sourced: fetch_deb PKG ARCH -> prints the folder PKG's .deb was unpacked into (dpkg-deb -x).
# Downloads with `apt-get download` only (never installs a foreign-architecture package), cached in
# out/cache/debs/ with the unpacked trees beside it; a second call costs nothing. The foreign
# architecture must be known to apt (`dpkg --add-architecture ARCH && apt-get update`): done here
# when running as root, else the caller gets an error to skip on.
fetch_deb() {
  local pkg="$1" arch="$2" cache="${RECD_CACHE:-$ROOT/out/cache}"
  mkdir -p "$cache/debs"
  local deb
  deb="$(ls "$cache/debs/${pkg}_"*"_$arch.deb" 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$deb" ]; then
    if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
      [ "$(id -u)" = 0 ] || { echo "fetch_deb: apt does not know $arch (dpkg --add-architecture $arch)" >&2; return 1; }
      dpkg --add-architecture "$arch" && apt-get update -qq >&2 || return 1
    fi
    (cd "$cache/debs" && apt-get download -qq "$pkg:$arch" >&2) || {
      [ "$(id -u)" = 0 ] && apt-get update -qq >&2 && (cd "$cache/debs" && apt-get download -qq "$pkg:$arch" >&2)
    } || { echo "fetch_deb: apt-get download $pkg:$arch failed" >&2; return 1; }
    deb="$(ls "$cache/debs/${pkg}_"*"_$arch.deb" | sort -V | tail -n 1)"
  fi
  local dir="$cache/unpacked/$(basename "$deb" .deb)"
  if [ ! -e "$dir/.done" ]; then
    rm -rf "$dir" && mkdir -p "$dir" && dpkg-deb -x "$deb" "$dir" && touch "$dir/.done" || return 1
  fi
  echo "$dir"
}

# newest_pkg GLOB ARCH: the highest-versioned package name matching GLOB (apt-cache), e.g. the kernel.
newest_pkg() {
  local re="^${1//\*/.*}\$"
  apt-cache search --names-only "$re" 2>/dev/null | cut -d' ' -f1 | sed 's/:.*//' | sort -uV | tail -n 1
}
