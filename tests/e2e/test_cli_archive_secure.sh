#!/usr/bin/env bash
# plik -a/--archive (tar with several codecs, zip, automatic for directories) and -s/--secure
# (openssl, pgp through gpg): every upload is fetched and unpacked/decrypted with the command the
# client printed, and compared with the originals.
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/cli_lib.sh"

e2e_start srv
U="$(e2e_url srv)"
T="$E2E_TMP"
mkdir -p "$T/src/dir/sub"
printf 'one\n' >"$T/src/dir/one.txt"
head -c 300000 /dev/urandom >"$T/src/dir/sub/rand.bin"
printf 'alone\n' >"$T/src/alone.txt"
SUM="$(cd "$T/src" && find dir -type f -exec md5sum {} + | sort)"

# run_cmd NAME OUTPUT : runs the single printed command in a fresh directory $T/NAME.
run_cmd() {
  local cmd
  cmd="$(cmd_lines "$2")"
  rm -rf "$T/$1" && mkdir -p "$T/$1"
  (cd "$T/$1" && bash -c "$cmd" >/dev/null 2>"$T/$1.err")
}

# ---------------------------------------------------------------- directory → tar.gz automatically
run_plik --server "$U" "$T/src/dir"
assert_eq 0 "$RC" "directory: exit 0 ($ERR)"
assert_contains "$OUT" "/dir.tar.gz\"" "directory: archived as dir.tar.gz"
assert_contains "$(cmd_lines "$OUT")" "| tar xvf - --gzip" "directory: command unpacks with tar"
run_cmd d1 "$OUT"
assert_eq "$SUM" "$(cd "$T/d1" && find dir -type f -exec md5sum {} + | sort)" "directory: unpacked tree identical"

for codec in bzip2 xz no; do
  run_plik --server "$U" --archive tar --compress "$codec" "$T/src/dir" "$T/src/alone.txt"
  assert_eq 0 "$RC" "tar --compress $codec: exit 0 ($ERR)"
  assert_contains "$OUT" "/archive.tar" "tar $codec: several paths → archive.tar*"
  run_cmd "t$codec" "$OUT"
  assert_eq "$SUM" "$(cd "$T/t$codec" && find dir -type f -exec md5sum {} + | sort)" "tar $codec: tree identical"
  assert_eq "alone" "$(cat "$T/t$codec/alone.txt")" "tar $codec: second path too"
done

run_plik --server "$U" --archive tar --archive-options=--exclude=one.txt "$T/src/dir"
run_cmd texcl "$OUT"
assert_file_absent "$T/texcl/dir/one.txt" "--archive-options passed to tar"
[[ -f "$T/texcl/dir/sub/rand.bin" ]] && pass "--archive-options: other files kept" || fail "--archive-options: rand.bin missing"

run_plik --server "$U" --archive zip "$T/src/dir"
assert_eq 0 "$RC" "zip: exit 0 ($ERR)"
assert_contains "$(cmd_lines "$OUT")" "> 'dir.zip'" "zip: saved as dir.zip"
run_cmd z1 "$OUT"
(cd "$T/z1" && unzip -q dir.zip)
assert_eq "$SUM" "$(cd "$T/z1" && find dir -type f -exec md5sum {} + | sort)" "zip: unzipped tree identical"

run_plik --server "$U" --archive rar "$T/src/dir"
assert_eq 1 "$RC" "unknown archive method: exit 1"
assert_contains "$ERR" "Invalid archive method rar" "unknown archive method: message"

# ---------------------------------------------------------------- openssl
head -c 1000000 /dev/urandom >"$T/secret.bin"
run_plik --server "$U" -s "$T/secret.bin"
assert_eq 0 "$RC" "openssl: exit 0 ($ERR)"
pass_line="$(grep '^Passphrase : ' <<<"$OUT")"
assert_eq 38 "${#pass_line}" "openssl: random 25-char passphrase printed"
assert_contains "$(cmd_lines "$OUT")" "| openssl aes-256-cbc -d -pass pass:${pass_line#Passphrase : } -md sha512 -pbkdf2 -iter 120000 > 'secret.bin'" "openssl: decrypt command"
url="$(cmd_lines "$OUT" | sed 's/^curl -s "\([^"]*\)".*/\1/')"
assert_ne "$(md5_of "$T/secret.bin")" "$(curl -s "$url" | md5sum | cut -d' ' -f1)" "openssl: server holds ciphertext"
run_cmd o1 "$OUT"
assert_eq "$(md5_of "$T/secret.bin")" "$(md5_of "$T/o1/secret.bin")" "openssl: printed command decrypts"

run_plik --server "$U" --secure openssl --cipher aes-128-cbc --passphrase 'my pass' --secure-options '-md sha256 -pbkdf2' "$T/src/dir"
assert_eq 0 "$RC" "openssl + tar, custom cipher/passphrase: exit 0 ($ERR)"
assert_contains "$(cmd_lines "$OUT")" "openssl aes-128-cbc -d -pass pass:'my pass' -md sha256 -pbkdf2 | tar xvf - --gzip" "openssl+tar: command"
run_cmd o2 "$OUT"
assert_eq "$SUM" "$(cd "$T/o2" && find dir -type f -exec md5sum {} + | sort)" "openssl+tar: decrypted and unpacked"

printf 'stdin secret\n' | setsid "$PLIK" --server "$U" -s --passphrase abc >"$T/o3.out" 2>&1
run_cmd o3 "$(cat "$T/o3.out")"
assert_eq "stdin secret" "$(cat "$T/o3/STDIN")" "openssl from stdin"

run_plik --server "$U" -s --secure-options '-badopt' "$T/secret.bin"
assert_eq 1 "$RC" "openssl failing: exit 1"
assert_contains "$ERR" "Unable to upload secret.bin : " "openssl failing: one-line message"

printf 'Secure = true\nURL = "%s"\n' "$U" >"$T/secure.rc"
PLIKRC="$T/secure.rc" run_plik --not-secure "$T/src/alone.txt"
assert_not_contains "$OUT" "openssl" "--not-secure overrides Secure = true"

# ---------------------------------------------------------------- pgp (gpg)
if command -v gpg >/dev/null; then
  export GNUPGHOME="$T/gnupg"
  mkdir -m 700 "$GNUPGHOME"
  gpg --batch --quiet --passphrase '' --quick-gen-key 'Plik Test <plik@example.com>' default default never 2>/dev/null
  run_plik --server "$U" --secure pgp --recipient plik@example.com "$T/secret.bin"
  assert_eq 0 "$RC" "pgp: exit 0 ($ERR)"
  assert_contains "$(cmd_lines "$OUT")" "| gpg -d > 'secret.bin'" "pgp: decrypt command"
  run_cmd g1 "$OUT"
  assert_eq "$(md5_of "$T/secret.bin")" "$(md5_of "$T/g1/secret.bin")" "pgp: printed command decrypts"
  run_plik --server "$U" --secure pgp "$T/secret.bin"
  assert_eq 1 "$RC" "pgp without recipient: exit 1"
  assert_contains "$ERR" "recipient" "pgp without recipient: message"
  gpgconf --kill gpg-agent 2>/dev/null
else
  echo "SKIP: gpg not installed"
fi

# ---------------------------------------------------------------- age
if command -v age-keygen >/dev/null; then
  mkdir -p "$HOME/.age"
  age-keygen -o "$HOME/.age/key.txt" 2>/dev/null
  pub="$(age-keygen -y "$HOME/.age/key.txt")"
  run_plik --server "$U" --secure age --recipient "$pub" "$T/secret.bin"
  assert_eq 0 "$RC" "age: exit 0 ($ERR)"
  assert_contains "$(cmd_lines "$OUT")" "| age -d -i ~/.age/key.txt > 'secret.bin'" "age: decrypt command"
  run_cmd a1 "$OUT"
  assert_eq "$(md5_of "$T/secret.bin")" "$(md5_of "$T/a1/secret.bin")" "age: printed command decrypts"
  run_plik --server "$U" --secure age "$T/secret.bin"
  assert_eq 1 "$RC" "age without recipient: exit 1"
else
  echo "SKIP: age not installed (apt-get install age)"
fi

e2e_finish
