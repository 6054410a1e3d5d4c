#!/bin/sh
# Development CA and certificates for the compose deployment, made once into the `tls` volume
# (run by the tls-init service; a second start finds them and does nothing). Production brings
# its own CA and per-host certificates: mount them at /tls with the same file names.
#
#   ca.crt                 the CA clients trust (copy it out for gauntlet: docs/compose.md)
#   server.crt/server.key  every node and sentinel (also their client certificate on replication
#                          and sentinel links); SANs: the service names, localhost, 127.0.0.1
#   client.crt/client.key  exporters and the backup job (tls-auth-clients optional: clients
#                          without one are still encrypted, those with one are verified)
#
# Usage: make-dev-certs.sh DIR [DAYS]   (EC P-256; DAYS default 825)
set -eu
dir="$1"; days="${2:-825}"
REDIS_UID="${REDIS_UID:-999}"   # the redis user of the official image
if [ -f "$dir/ca.crt" ] && [ -f "$dir/server.crt" ] && [ -f "$dir/client.crt" ]; then
  echo "make-dev-certs: $dir already holds certificates; leaving them"; exit 0
fi
command -v openssl >/dev/null || { echo "make-dev-certs: openssl is missing" >&2; exit 1; }
mkdir -p "$dir"; cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.crt -days "$days" -subj "/CN=gauntlet compose development CA"
san="DNS:localhost,IP:127.0.0.1"
for n in 0 1 2; do san="$san,DNS:redis-$n,DNS:sentinel-$n"; done
for who in server client; do
  key "$who.key"
  openssl req -new -key "$who.key" -out "$who.csr" -subj "/CN=gauntlet compose $who"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$who.ext"
  openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$who.crt" -days "$days" -extfile "$who.ext" 2>/dev/null
  rm -f "$who.csr" "$who.ext"
done
# The CA key stays here only for development (new certificates later); production keeps it elsewhere.
chmod 600 ca.key
chown "$REDIS_UID" server.key && chmod 600 server.key
# Exporters and the backup job run as other users: the development client key is world-readable.
chmod 644 client.key ca.crt server.crt client.crt
echo "make-dev-certs: CA and certificates written to $dir (valid $days days)"
