#!/usr/bin/env bash
# The USB disk formats set-top boxes record to: exFAT (exfat-fuse) and NTFS (ntfs-3g), each on a loop
# device over an image in /tmp, FUSE-mounted (this kernel has no vfat, exfat or ntfs3). The published
# daemon runs with its storage ON that filesystem and its default state and runtime folders:
#   1. it starts and answers (today: on exFAT it binds its control socket inside the storage tree: EIO);
#   2. every path x {1, 4097, 1 MiB+7, 16 MiB+43} x {Content-Length, chunked}: 201, sha256-exact by GET
#      and on disk, complete; the path moved the bytes or the manifest says why not (a fallback is noted);
#   3. Show.ts then show.ts: on a case-insensitive mount (exFAT) the second is 409 and Show.ts intact;
#      on a case-sensitive one (ntfs-3g's POSIX namespace, its default) both are distinct and exact;
#   4. after a restart every recording is listed and exact;
#   5. a full disk (small image, chunked body): 507, the interrupted recording's committed prefix exact,
#      and after a restart the file is cut to that prefix;
#   6. exFAT only, as root with --run-as recd-e2e: the filesystem has no ownership or permissions, so the
#      daemon must start, record, and log that it has none instead of failing on chown.
# RECD_USB_EXTRA_ARGS (empty by default) passes extra daemon options, e.g. `--ControlSocket /run/x.sock`,
# to see how the later checks fare while check 1 fails for a known reason.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
USER_NAME=recd-e2e

skip() { echo "# $*: USB disk format tests skipped"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root (loop devices and mounts need it)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v losetup >/dev/null || skip "no losetup"

tmp="$(mktemp -d /tmp/recd-usb.XXXXXX)"
chmod 755 "$tmp"
pid="" mounts=() loops=()
cleanup() {
  stop_daemon
  local m l
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  for l in "${loops[@]}"; do
    # The FUSE server may hold the device for a moment after the unmount.
    for _ in $(seq 50); do losetup -d "$l" 2>/dev/null && break; losetup "$l" >/dev/null 2>&1 || break; sleep 0.1; done
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC2206
extra=(${RECD_USB_EXTRA_ARGS:-})

# mkdisk FS SIZE MOUNTPOINT: a fresh image, loop device, filesystem and FUSE mount. Returns non-zero if
# any step is impossible here.
mkdisk() {
  local fs="$1" size="$2" mnt="$3" img="$3.img" loop
  truncate -s "$size" "$img" || return 1
  loop="$(losetup -f --show "$img" 2>/dev/null)" || return 1
  loops+=("$loop")
  mkdir -p "$mnt"
  case "$fs" in
    exfat) mkfs.exfat "$loop" >/dev/null 2>&1 && mount.exfat-fuse "$loop" "$mnt" >/dev/null 2>&1 || return 1 ;;
    ntfs) mkntfs -Q -F -q "$loop" >/dev/null 2>&1 && ntfs-3g "$loop" "$mnt" >/dev/null 2>&1 || return 1 ;;
  esac
  mounts+=("$mnt")
}

sizes=(1 4097 1048583 16777259)
for n in "${sizes[@]}"; do head -c "$n" /dev/urandom >"$tmp/src$n"; done
head -c $((96 << 20)) /dev/urandom >"$tmp/big"
sha() { sha256sum "$@" | cut -d' ' -f1; }
for n in "${sizes[@]}"; do printf '%s' "$(sha <"$tmp/src$n")" >"$tmp/src$n.sha"; done
put() { # name file [curl args...] -> http code
  local name="$1" file="$2"; shift 2
  curl -sS -m 60 -o /dev/null -w '%{http_code}' -T "$file" "$@" "$base/$name" 2>/dev/null
}
listed() { curl -sS -m 10 "$base" 2>/dev/null | python3 -c 'import json,sys; print(" ".join(sorted(r["name"] for r in json.load(sys.stdin))))' 2>/dev/null; }
started() { [ -n "${port:-}" ] && kill -0 "$pid" 2>/dev/null && [ "$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "$base" 2>/dev/null)" = 200 ]; }
logtail() { tail -n "${1:-5}" "$tmp/daemon.log" | sed 's/^/#   /'; }
start() { # STORE [options]: start_daemon with a fresh log and RECD_USB_EXTRA_ARGS
  : >"$tmp/daemon.log"
  start_daemon "$tmp" "$@" "${extra[@]}"
}

tested=0
for fs in exfat ntfs; do
  case "$fs" in
    exfat) need=(mkfs.exfat mount.exfat-fuse) ;;
    ntfs) need=(mkntfs ntfs-3g) ;;
  esac
  for t in "${need[@]}"; do command -v "$t" >/dev/null || { echo "# $fs: $t missing (./build.sh deps installs it)"; continue 2; }; done
  mnt="$tmp/$fs"
  mkdisk "$fs" 256M "$mnt" || { echo "# $fs: cannot make or mount a loop device image: $fs skipped"; continue; }
  store="$mnt/store"
  tested=$((tested + 1))
  # What the mount itself does with case: decides what check 3 expects.
  touch "$mnt/CaseProbe"; if [ -e "$mnt/caseprobe" ]; then ci=1; else ci=0; fi; rm -f "$mnt/CaseProbe"
  echo "# $fs on $(findmnt -no SOURCE,FSTYPE "$mnt" | tr -s ' '): case-$([ $ci = 1 ] && echo in)sensitive"

  # 1. Starts and answers.
  start "$store"
  if started; then
    ok "$fs: the daemon starts with its storage on the disk and answers"
  else
    notok "$fs: the daemon did not start with its storage on $fs (checks 2-4 not run)"; logtail 3
    stop_daemon
  fi

  if [ -n "$pid" ]; then
    # 2. Every path, odd sizes, both framings; on FUSE a path may fall back if the manifest says why.
    put_matrix_names=()
    check_put_matrix "$fs" "$store" "$tmp/src" noted "${sizes[@]}"
    names=("${put_matrix_names[@]}")

    # 3. Case collisions.
    c1="$(put Show.ts "$tmp/src1048583")"
    c2="$(put show.ts "$tmp/src4097")"
    g1="$(curl -sS -m 60 "$base/Show.ts" 2>/dev/null | sha)"
    g2="$(curl -sS -m 60 "$base/show.ts" 2>/dev/null | sha)"
    if [ "$ci" = 1 ]; then
      [ "$c1" = 201 ] && [ "$c2" = 409 ] && [ "$g1" = "$(cat "$tmp/src1048583.sha")" ] &&
        ok "$fs (case-insensitive): PUT Show.ts 201, PUT show.ts 409, Show.ts intact by GET" ||
        notok "$fs (case-insensitive): Show.ts $c1, show.ts $c2 (want 409); Show.ts by GET $([ "$g1" = "$(cat "$tmp/src1048583.sha")" ] && echo exact || echo "not the first's bytes"), on disk $(stat -c %s "$store/Show.ts" 2>/dev/null) bytes, manifests: $(cd "$store" && ls -a | grep -i 'show.ts.manifest' | tr '\n' ' ')"
    else
      [ "$c1" = 201 ] && [ "$c2" = 201 ] && [ "$g1" = "$(cat "$tmp/src1048583.sha")" ] && [ "$g2" = "$(cat "$tmp/src4097.sha")" ] &&
        ok "$fs (case-sensitive): Show.ts and show.ts are two recordings, both 201 and exact by GET" ||
        notok "$fs (case-sensitive): Show.ts $c1 ${g1:0:12}, show.ts $c2 ${g2:0:12}"
    fi

    # 4. Restart: everything listed and exact.
    stop_daemon; start "$store"
    if started; then
      want_list="$(printf '%s\n' "${names[@]}" Show.ts $([ "$ci" = 0 ] && echo show.ts) | sort | tr '\n' ' ' | sed 's/ $//')"
      got_list="$(listed)"
      bad=""
      for name in "${names[@]}" Show.ts; do
        n="${name#*-}"; n="${n%%-*}"; [ "$name" = Show.ts ] && n=1048583
        [ "$(curl -sS -m 60 "$base/$name" 2>/dev/null | sha)" = "$(cat "$tmp/src$n.sha")" ] || bad+=" $name"
      done
      [ "$ci" = 0 ] && { [ "$(curl -sS -m 60 "$base/show.ts" 2>/dev/null | sha)" = "$(cat "$tmp/src4097.sha")" ] || bad+=" show.ts"; }
      [ "$got_list" = "$want_list" ] && [ -z "$bad" ] &&
        ok "$fs: after a restart all $(wc -w <<<"$got_list") recordings are listed and exact by GET (Show.ts among them)" ||
        notok "$fs: after a restart: listed [$got_list] want [$want_list]; not exact:${bad:- none}"
    else
      notok "$fs: the daemon did not start again"; logtail 3
    fi
    stop_daemon
  fi

  # 5. Disk full on a small image: a chunked body cannot be refused up front.
  small="$tmp/$fs-small"
  if mkdisk "$fs" 48M "$small"; then
    start "$small/store" --Storage:ReserveBytes 0 --Storage:CommitIntervalBytes 4194304
    if started; then
      code="$(put full.ts - -H 'Transfer-Encoding: chunked' <"$tmp/big")"
      state="$(manifest_value "$small/store/.full.ts.manifest" state)" len="$(manifest_value "$small/store/.full.ts.manifest" committedLength)"
      pre_ok=0
      [ "${len:-0}" -gt 0 ] && [ "$(head -c "$len" "$tmp/big" | sha)" = "$(head -c "$len" "$small/store/full.ts" | sha)" ] && pre_ok=1
      stop_daemon; start "$small/store" --Storage:ReserveBytes 0
      after="$(stat -c %s "$small/store/full.ts" 2>/dev/null)"
      back="$(curl -sS -m 60 "$base/full.ts" 2>/dev/null | sha)"
      if [ "$code" = 507 ] && [ "$state" = interrupted ] && [ "$pre_ok" = 1 ] && [ "$after" = "$len" ] && [ "$back" = "$(head -c "$len" "$tmp/big" | sha)" ]; then
        ok "$fs full: 507, interrupted at committed $len bytes, prefix exact; after a restart cut to it and exact by GET"
      else
        notok "$fs full: code $code (want 507) state $state committed $len prefix_ok $pre_ok size after restart $after"
        logtail 3
      fi
    else
      notok "$fs full: the daemon did not start on the small disk"; logtail 3
    fi
    stop_daemon
  else
    notok "$fs full: cannot make the small image"
  fi

  # 6. exFAT has no owners or modes: RunAs must record there, saying so in its log.
  if [ "$fs" = exfat ]; then
    id "$USER_NAME" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME" 2>/dev/null
    if id "$USER_NAME" >/dev/null 2>&1; then
      uid="$(id -u "$USER_NAME")"
      start "$mnt/store-runas" --run-as "$USER_NAME"
      if started; then
        uids="$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")"
        code="$(put runas.ts "$tmp/src1048583")"
        back="$(curl -sS -m 60 "$base/runas.ts" 2>/dev/null | sha)"
        if [ "$uids" = "$uid $uid $uid $uid" ] && [ "$code" = 201 ] && [ "$back" = "$(cat "$tmp/src1048583.sha")" ]; then
          ok "exfat --run-as $USER_NAME: started, dropped to uid $uid, recorded exact"
        else
          notok "exfat --run-as: uids '$uids' code $code get ${back:0:12}"
        fi
        line="$(grep -iE '(owner|permission|chown)' "$tmp/daemon.log" | grep -iE "not|no |unsupported|does" | head -n 1)"
        [ -n "$line" ] && ok "exfat --run-as: logged that ownership/permissions do not exist: ${line#*Z }" ||
          notok "exfat --run-as: no log line saying ownership/permissions do not exist on this filesystem"
      else
        notok "exfat --run-as $USER_NAME: the daemon did not start (want: start, record, log that ownership does not exist)"; logtail 3
        notok "exfat --run-as: no log line saying ownership/permissions do not exist on this filesystem"
      fi
      stop_daemon
    else
      echo "# cannot create user $USER_NAME: RunAs on exFAT not tested"
    fi
  fi
done

[ "$tested" -gt 0 ] || skip "no filesystem could be made and mounted"
finish
