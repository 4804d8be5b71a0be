#!/bin/sh
# Install or upgrade Liputan as a systemd service on Debian 12 (run it again to upgrade).
#
#   sudo sh systemd/install.sh                 # install, or upgrade keeping config and data
#   DESTDIR=/tmp/stage sh systemd/install.sh   # into a staging root (packaging, tests)
#
# Environment: DESTDIR (staging root; nothing outside it is touched), PYTHON (default python3),
# LIPUTAN_SOURCE (what pip installs; default this checkout, or e.g. a built wheel),
# LIPUTAN_PIP_ARGS (extra pip arguments, e.g. "--no-deps --no-index"),
# LIPUTAN_VENV_ARGS (extra venv arguments, e.g. "--system-site-packages").
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
root=${DESTDIR:-}
root=${root%/}
prefix=/opt/liputan
python=${PYTHON:-python3}
source=${LIPUTAN_SOURCE:-$src}
unitdir=/etc/systemd/system
say() { printf 'liputan install: %s\n' "$*"; }

# put FILE at PATH with MODE, replacing what a previous install put there
put() { install -D -m "$3" "$1" "$root$2"; }

# 1. the program: a venv in /opt/liputan; an upgrade installs the new version into the same venv
venv=$root$prefix
if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        say "$python cannot make a venv: apt-get install -y python3-venv" >&2
        exit 1
    fi
    say "creating the venv $prefix"
    # shellcheck disable=SC2086 # LIPUTAN_VENV_ARGS is a list of arguments
    "$python" -m venv ${LIPUTAN_VENV_ARGS:-} "$venv"
fi
say "installing $source into $prefix"
# shellcheck disable=SC2086 # LIPUTAN_PIP_ARGS is a list of arguments
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --upgrade ${LIPUTAN_PIP_ARGS:-} "$source"
if [ -n "$root" ]; then
    # a venv names its own path in its scripts: the staged tree must name the target's
    for f in "$venv"/bin/*; do
        if [ -f "$f" ] && [ ! -L "$f" ] && head -c 2 "$f" | grep -q '^#!'; then
            sed -i "1s|^#!$root/|#!/|" "$f"
        fi
    done
    sed -i "s|$root$prefix|$prefix|g" "$venv"/bin/activate* 2>/dev/null || true
fi
put "$src/README.md" "$prefix/share/doc/liputan/README.md" 0644

# 2. systemd: the unit, the user, the folders
put "$here/liputan.service" "$unitdir/liputan.service" 0644
put "$here/liputan.sysusers" /usr/lib/sysusers.d/liputan.conf 0644
put "$here/liputan.tmpfiles" /usr/lib/tmpfiles.d/liputan.conf 0644

# 3. the office's own files: written once, never replaced by an upgrade
etc=$root/etc/liputan
mkdir -p "$etc"
chmod 0750 "$etc"
if [ ! -e "$etc/liputan.toml" ]; then
    say "writing /etc/liputan/liputan.toml (edit it: office, mailbox, smtp)"
    sed 's|^dir = "\.\./rules"|dir = "rules"|' "$here/liputan.toml" > "$etc/liputan.toml"
    chmod 0640 "$etc/liputan.toml"
else
    say "keeping /etc/liputan/liputan.toml"
fi
if [ ! -d "$etc/rules" ]; then
    say "copying the SOP, the office and the vocabulary to /etc/liputan/rules"
    mkdir -p "$etc/rules"
    cp "$src"/rules/*.yaml "$etc/rules/"
elif ! diff -rq "$src/rules" "$etc/rules" >/dev/null 2>&1; then
    say "keeping /etc/liputan/rules; this version ships other rules: diff -ru $src/rules /etc/liputan/rules"
fi
for secret in imap-password smtp-password; do
    if [ ! -e "$etc/$secret" ]; then  # LoadCredential= fails the start when the file is missing
        (umask 077 && : > "$etc/$secret")
        say "put the password in /etc/liputan/$secret (read by systemd as a credential)"
    fi
done

# 4. on this machine (not a staging root): apply the user and folders, restart an upgraded service
if [ -z "$root" ]; then
    if command -v systemd-sysusers >/dev/null 2>&1; then systemd-sysusers liputan.conf; fi
    if command -v systemd-tmpfiles >/dev/null 2>&1; then systemd-tmpfiles --create liputan.conf; fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        # an upgrade: a running service restarts on the new version (migrations run at start-up)
        systemctl try-restart liputan.service
    fi
fi

cat <<EOF
liputan install: done in ${root:-/}. Recommended Debian packages (OCR, PDF text, PDF letters):
    apt-get install -y tesseract-ocr-ind poppler-utils libreoffice-writer-nogui python3-uno
Then: edit /etc/liputan/liputan.toml and the passwords, run
    /opt/liputan/bin/liputan check -c /etc/liputan/liputan.toml
    systemctl enable --now liputan
EOF
