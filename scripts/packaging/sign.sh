#!/usr/bin/env bash
# Authenticode-signs Windows files in place with osslsigncode when a certificate is given
# through the environment (never from the repository); without one it says so and leaves
# the files unsigned.
#   RESTOREDESK_SIGN_PFX=file.pfx            a PKCS#12 bundle, or
#   RESTOREDESK_SIGN_CERT=cert.pem RESTOREDESK_SIGN_KEY=key.pem
#   RESTOREDESK_SIGN_PASSWORD                the PFX's or the key's password, if any
#   RESTOREDESK_SIGN_TIMESTAMP=URL           an RFC 3161 timestamp server (recommended for releases)
#   usage: sign.sh FILE...
set -euo pipefail
if [ -z "${RESTOREDESK_SIGN_PFX:-}" ] && [ -z "${RESTOREDESK_SIGN_CERT:-}" ]; then
	echo "sign: no certificate (RESTOREDESK_SIGN_PFX or RESTOREDESK_SIGN_CERT/RESTOREDESK_SIGN_KEY): left unsigned"
	exit 0
fi
command -v osslsigncode >/dev/null || { echo "sign: osslsigncode is missing; run 'make deps-package'" >&2; exit 1; }
args=(-h sha256 -n "Restore Desk" -i "https://github.com/restoredesk/restoredesk")
if [ -n "${RESTOREDESK_SIGN_PFX:-}" ]; then
	args+=(-pkcs12 "$RESTOREDESK_SIGN_PFX")
else
	[ -n "${RESTOREDESK_SIGN_KEY:-}" ] || { echo "sign: RESTOREDESK_SIGN_CERT is set but RESTOREDESK_SIGN_KEY is not" >&2; exit 1; }
	args+=(-certs "$RESTOREDESK_SIGN_CERT" -key "$RESTOREDESK_SIGN_KEY")
fi
[ -n "${RESTOREDESK_SIGN_TIMESTAMP:-}" ] && args+=(-ts "$RESTOREDESK_SIGN_TIMESTAMP")
for f in "$@"; do
	tmp="$f.signing"
	if [ -n "${RESTOREDESK_SIGN_PASSWORD:-}" ]; then
		# The password goes through a pipe, never the command line (visible in ps).
		osslsigncode sign "${args[@]}" -readpass <(printf '%s' "$RESTOREDESK_SIGN_PASSWORD") -in "$f" -out "$tmp" >/dev/null
	else
		osslsigncode sign "${args[@]}" -in "$f" -out "$tmp" >/dev/null
	fi
	mv "$tmp" "$f"
	echo "sign: signed $f"
done
