#!/usr/bin/env bash
# Builds hearth's offline test images, without any container registry:
#   hearth-test/postgres:15   PostgreSQL 15, cluster initialised at build time (official env contract)
#   hearth-test/redis:7       redis-server 7.0 on 6379 + redis-cli
#   hearth-test/toolbox:1     a static busybox (sh, httpd, nc, sleep, …)
# Each image is FROM scratch: Debian bookworm packages fetched with `apt-get download` (the server
# packages and, recursively, the library packages they depend on) are unpacked with dpkg-deb
# in a temporary directory, and only the files needed plus their shared-library closure (resolved
# by the downloaded glibc's own loader) go into the build context. Nothing is installed on the host.
#
# Usage: bash scripts/build-test-images.sh [--force | --check]
#   Builds the images that are missing or stale and prints one line per image. An image is stale
#   when its label dev.hearth.test-image.hash differs from the hash of this script and of
#   scripts/test-images/<image>/ (Debian package updates alone do not trigger a rebuild: --force).
#   --force rebuilds all three; --check builds nothing, prints nothing, and exits 1 when an image
#   is missing or stale. Needs docker (the legacy builder is enough), apt-get and dpkg-deb.
#   Exit status: 0 ok, 1 build failed (or --check: something to build), 2 Docker not reachable or
#   bad usage.
set -euo pipefail

script=$(realpath "${BASH_SOURCE[0]}")
inputs=$(dirname "$script")/test-images
label=dev.hearth.test-image
images=(postgres redis toolbox)
declare -A tag=([postgres]=hearth-test/postgres:15 [redis]=hearth-test/redis:7 [toolbox]=hearth-test/toolbox:1)
# Debian packages each image starts from (their library dependencies are followed recursively).
declare -A roots=(
  [postgres]='postgresql-15 postgresql-client-15 libpq5 tzdata libc-bin busybox-static'
  [redis]='redis-server redis-tools busybox-static'
  [toolbox]='busybox-static'
)
# Library packages never followed: the LLVM JIT (and its 100+ MB of LLVM) is left out of Postgres.
skip_deps='^(libllvm[0-9]*|libclang.*)$'

force=0 check=0
for arg in "$@"; do
  case $arg in
    --force) force=1 ;;
    --check) check=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-test-images: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf '%s\n' "$*"; }
die() { printf 'build-test-images: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if ! err=$(docker version --format '{{.Server.Version}}' 2>&1 >/dev/null); then
  printf 'build-test-images: Docker is not reachable, so the test images cannot be built.\n' >&2
  printf '  %s\n' "$(printf '%s' "$err" | grep -v '^$' | head -n 3)" >&2
  printf '  Start the engine (dockerd) or point DOCKER_HOST at one, then run this again.\n' >&2
  exit 2
fi

hash_of() { # $1: image → the content hash of this script and the image's inputs
  {
    sha256sum <"$script"
    (cd "$inputs/$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

stale() { # prints the images that need a build
  local img want have
  for img in "${images[@]}"; do
    want=$(hash_of "$img")
    have=$(docker image inspect --format "{{index .Config.Labels \"$label.hash\"}}" "${tag[$img]}" 2>/dev/null || true)
    if [[ $force == 1 || $have != "$want" ]]; then printf '%s\n' "$img"; fi
  done
}

all_up_to_date() {
  ((${#todo[@]} == 0)) || return 1
  for img in "${images[@]}"; do say "${tag[$img]}: up to date"; done
}

mapfile -t todo < <(stale)
if [[ $check == 1 ]]; then ((${#todo[@]} == 0)); exit; fi
if all_up_to_date; then exit 0; fi

# One build at a time on this machine: a second run waits, then finds the images up to date.
lock=${TMPDIR:-/tmp}/hearth-test-images.lock
if command -v flock >/dev/null && { exec 9>>"$lock"; } 2>/dev/null; then
  flock 9
  if [[ $force == 0 ]]; then
    mapfile -t todo < <(stale)
    if all_up_to_date; then exit 0; fi
  fi
fi

for cmd in apt-get dpkg-deb; do
  command -v "$cmd" >/dev/null || die "needs $cmd (a Debian or Ubuntu machine) to fetch the packages the images are made of"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/hearth-test-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/log
debs=$work/debs
x=$work/x # every package unpacked here
mkdir -p "$debs" "$x"

fail() { # $1: message; shows the end of the log
  printf 'build-test-images: %s\n' "$1" >&2
  if [[ -s $log ]]; then tail -n 40 "$log" | sed 's/^/  | /' >&2; fi
  exit 1
}

case $(dpkg --print-architecture) in
  amd64) multiarch=x86_64-linux-gnu ldso=lib64/ld-linux-x86-64.so.2 ;;
  arm64) multiarch=aarch64-linux-gnu ldso=lib/ld-linux-aarch64.so.1 ;;
  *) die "unsupported architecture $(dpkg --print-architecture)" ;;
esac

# --- fetch: the root packages and, recursively, the library packages they depend on -------------
apt_download() {
  local opts=(-q)
  if [[ $(id -u) == 0 ]]; then opts+=(-o APT::Sandbox::User=root); fi
  (cd "$debs" && apt-get download "${opts[@]}" "$@") >>"$log" 2>&1
}
closure() { # roots… → the roots, then the lib* packages reachable through lib* dependencies
  local graph
  graph=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$@" 2>>"$log") || return 1
  # Lines: "pkg", then " |Depends: a" (a or the next one), "  Depends: b", "    provider".
  awk -v roots="$*" -v skip="$skip_deps" '
    /^[^ ]/ { pkg = $1; inalt = 0; next }
    /^ *[|]?(Pre)?Depends: / {
      alt = ($0 ~ /^ *[|]/); dep = $2; sub(/:.*/, "", dep)
      if (!inalt) edges[pkg] = edges[pkg] " " dep   # the first alternative only
      inalt = alt; next
    }
    END {
      n = split(roots, q, " "); for (i = 1; i <= n; i++) seen[q[i]] = 1
      for (i = 1; i <= n; i++) {
        m = split(edges[q[i]], d, " ")
        for (j = 1; j <= m; j++)
          if (d[j] ~ /^(lib|zlib1g)/ && d[j] !~ skip && !(d[j] in seen)) { seen[d[j]] = 1; q[++n] = d[j] }
      }
      for (i = 1; i <= n; i++) print q[i]
    }' <<<"$graph"
}
fetch() { # roots…
  mapfile -t pkgs < <(closure "$@")
  ((${#pkgs[@]} > $#)) && apt_download "${pkgs[@]}"
}

t0=$(now)
want=()
for img in "${todo[@]}"; do want+=(${roots[$img]}); done
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)
if ! fetch "${want[@]}"; then
  # Missing or stale package lists: refresh them once, then try again.
  if [[ $(id -u) == 0 ]]; then
    say "apt-get download failed: running apt-get update" >&2
    apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
  else
    fail "apt-get download failed, and only root can run apt-get update"
  fi
  rm -f "$debs"/*.deb
  fetch "${want[@]}" || fail "apt-get download ${want[*]} failed"
fi
# Unpack in parallel, largest first, without what no image uses: docs, man pages, translations,
# LLVM bitcode.
(cd "$debs" && ls -S -- *.deb) | sed "s|^|$debs/|" | tr '\n' '\0' | xargs -0 -n 1 -P "$(nproc 2>/dev/null || echo 2)" sh -c '
  dpkg-deb --fsys-tarfile "$1" | tar -x -C "$0" --exclude=./usr/share/doc --exclude=./usr/share/man \
    --exclude=./usr/share/locale --exclude=./usr/share/lintian --exclude="./usr/lib/postgresql/*/lib/bitcode"
' "$x" 2>>"$log" || fail "unpacking the packages failed"
say "fetched and unpacked ${#pkgs[@]} Debian packages in $(since "$t0") s"

# --- assemble a root filesystem ------------------------------------------------------------------
ld=$x/$ldso
[[ -x $ld ]] || fail "the dynamic loader $ldso is not in the downloaded libc6"
libpath=$x/lib/$multiarch:$x/usr/lib/$multiarch

is_elf() { local magic; IFS= read -r -n 4 magic <"$1" 2>/dev/null && [[ $magic == $'\x7fELF' ]]; }

add_libs() { # $1: rootfs; $2…: ELF files under $x → copies their shared-library closure into $1
  local r=$1 f line soname path
  shift
  mkdir -p "$r/usr/lib/$multiarch" "$r/usr/$(dirname "$ldso")"
  cp -L "$ld" "$r/usr/$ldso"
  declare -A done_=()
  for f in "$@"; do
    is_elf "$f" || continue
    # The downloaded loader lists the closure; a library it finds outside $x is one we lack.
    while IFS= read -r line; do
      if [[ $line =~ ^[[:space:]]*([^[:space:]]+)\ =\>\ (.*)\ \(0x ]]; then
        soname=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]}
      elif [[ $line =~ ^[[:space:]]*([^[:space:]]+)\ =\>\ not\ found ]]; then
        fail "${f#"$work"/} needs ${BASH_REMATCH[1]}, which no downloaded package provides"
      elif [[ $line == LIST-FAILED ]]; then
        fail "the loader could not list the libraries of ${f#"$work"/}"
      else
        continue
      fi
      [[ $path == "$x"/* ]] || fail "${f#"$work"/} needs $soname, which no downloaded package provides (found only $path on the host)"
      if [[ $soname != /* && -z ${done_[$soname]:-} ]]; then # (/…: the loader itself, copied above)
        done_[$soname]=1
        cp -L "$path" "$r/usr/lib/$multiarch/$soname"
      fi
    done < <("$ld" --inhibit-cache --library-path "$libpath" --list "$f" 2>>"$log" || echo LIST-FAILED)
  done
}

base_rootfs() { # $1: rootfs; $2: extra /etc/passwd lines → merged /usr, busybox, /etc, /tmp
  local r=$1 applet
  mkdir -p "$r"/usr/{bin,sbin,lib,local/bin} "$r"/{etc,tmp,root,var/tmp}
  ln -s usr/bin "$r/bin"
  ln -s usr/sbin "$r/sbin"
  ln -s usr/lib "$r/lib"
  if [[ $ldso == lib64/* ]]; then mkdir -p "$r/usr/lib64" && ln -s usr/lib64 "$r/lib64"; fi
  chmod 1777 "$r/tmp" "$r/var/tmp"
  chmod 700 "$r/root"
  cp "$x/bin/busybox" "$r/usr/bin/busybox"
  while IFS= read -r applet; do
    [[ $applet == */* ]] || continue
    applet=usr/${applet#usr/}
    [[ -e $r/$applet || -L $r/$applet ]] || ln -s /usr/bin/busybox "$r/$applet"
  done < <("$x/bin/busybox" --list-full)
  printf 'root:x:0:0:root:/root:/bin/sh\n%bnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' "$2" >"$r/etc/passwd"
  { echo 'root:x:0:'; printf '%b' "$2" | awk -F: 'NF { print $1 ":x:" $4 ":" }'; echo 'nogroup:x:65534:'; } >"$r/etc/group"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$r/etc/nsswitch.conf"
}

ctx_postgres() {
  local r=$1/rootfs pg=usr/lib/postgresql/15
  base_rootfs "$r" 'postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh\n'
  mkdir -p "$r/$pg/lib" "$r/usr/share/postgresql" "$r/usr/local/lib/hearth-test"
  cp -a "$x/$pg/bin" "$r/$pg/"
  # Server modules and contrib extensions, without the LLVM JIT and its bitcode.
  find "$x/$pg/lib" -maxdepth 1 -type f ! -name 'llvmjit*' -exec cp -a {} "$r/$pg/lib/" \;
  cp -a "$x/usr/share/postgresql/15" "$r/usr/share/postgresql/"
  rm -rf "$r/usr/share/postgresql/15/man"
  cp -a "$x/usr/share/zoneinfo" "$r/usr/share/"
  # `locale -a` is how initdb finds the libc collations to import; C.UTF-8 is the one shipped.
  mkdir -p "$r/usr/lib/locale"
  cp -a "$x/usr/bin/locale" "$r/usr/bin/"
  cp -a "$x/usr/lib/locale/C.utf8" "$r/usr/lib/locale/"
  cp "$inputs/postgres/docker-entrypoint.sh" "$r/usr/local/bin/"
  cp "$inputs/postgres/init-cluster.sh" "$r/usr/local/lib/hearth-test/"
  add_libs "$r" "$r/$pg/bin"/* "$r/$pg/lib"/*.so "$r/usr/bin/locale"
}

ctx_redis() {
  local r=$1/rootfs
  base_rootfs "$r" 'redis:x:999:999:Redis:/data:/bin/sh\n'
  cp -a "$x/usr/bin/redis-check-rdb" "$x/usr/bin/redis-server" "$x/usr/bin/redis-cli" "$r/usr/bin/"
  mkdir -p "$r/etc/redis" "$1/data"
  cp "$inputs/redis/redis.conf" "$r/etc/redis/"
  cp "$inputs/redis/docker-entrypoint.sh" "$r/usr/local/bin/"
  add_libs "$r" "$r/usr/bin/redis-check-rdb" "$r/usr/bin/redis-cli"
}

ctx_toolbox() {
  base_rootfs "$1/rootfs" ''
  mkdir -p "$1/rootfs/var/www"
}

# --- build ---------------------------------------------------------------------------------------
export DOCKER_BUILDKIT=0 # the legacy builder: no buildx/BuildKit needed
status=0
for img in "${images[@]}"; do
  if [[ ! " ${todo[*]} " == *" $img "* ]]; then
    say "${tag[$img]}: up to date"
    continue
  fi
  t=$(now)
  ctx=$work/ctx-$img
  mkdir -p "$ctx"
  cp "$inputs/$img/Dockerfile" "$ctx/"
  "ctx_$img" "$ctx"
  old=$(docker image inspect --format '{{.Id}}' "${tag[$img]}" 2>/dev/null || true)
  if ! docker build --quiet --force-rm --tag "${tag[$img]}" \
    --label "$label=true" --label "$label.hash=$(hash_of "$img")" "$ctx" >"$work/build-$img.log" 2>&1; then
    printf 'build-test-images: docker build of %s failed\n' "${tag[$img]}" >&2
    grep -v -e '^DEPRECATED' -e '^  *BuildKit is' -e '^  *environment-variable' "$work/build-$img.log" |
      tail -n 40 | sed 's/^/  | /' >&2
    status=1
    continue
  fi
  new=$(docker image inspect --format '{{.Id}}' "${tag[$img]}")
  # The previous build, now untagged: remove it unless a container still uses it.
  if [[ -n $old && $old != "$new" ]]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
  size=$(docker image inspect --format '{{.Size}}' "${tag[$img]}" | awk '{ printf "%.0f MB", $1 / 1e6 }')
  say "${tag[$img]}: built in $(since "$t") s ($size)"
  rm -rf "$ctx"
done
exit "$status"
