#!/bin/sh
# Renders each server's configuration ONCE, into the server's own volume, from the same templates
# the embedded topology uses (render.sh). A later start finds the file and leaves it alone: from
# then on Redis owns redis.conf and users.acl (CONFIG REWRITE after a failover, ACL SAVE after a
# password rotation) and Sentinel owns sentinel.conf (the current master, known replicas and
# sentinels, the epoch). Re-rendering on every start is what made a restart after a failover bring
# every sentinel back monitoring a node that had become a replica.
#
# Mounts: /templates (compose/, read-only), /volumes/redis-N and /volumes/sentinel-N (the state
# volumes); TEMPLATES and VOLUMES move them (tests). Values come from the environment. Usage: render-configs.sh
set -eu
# Passwords (masterauth, auth-pass, ACL hashes): readable by the owner only. The image's entrypoint
# hands /data to the redis user at start.
umask 077
T="${TEMPLATES:-/templates}"
V="${VOLUMES:-/volumes}"
render() { sh "$T/render.sh" "$1" "$2"; }
tls_block() { # PORT FILE: appends the TLS lines, so they override the plaintext port
  PORT="$1" TLS_CERT=/tls/server.crt TLS_KEY=/tls/server.key TLS_CA=/tls/ca.crt TLS_AUTH_CLIENTS=optional \
    sh "$T/render.sh" "$T/tls.conf.tmpl" "$2.tls"
  { echo; cat "$2.tls"; } >> "$2"
  rm -f "$2.tls"
}
for n in 0 1 2; do
  d="$V/redis-$n"
  if [ -f "$d/redis.conf" ]; then echo "redis-$n: keeping $d/redis.conf (owned by Redis now)"; continue; fi
  tmp="$d/redis.conf.rendering"
  BIND="* -::*" PORT=6379 DATA_DIR=/data LOG_FILE='""' ANNOUNCE_IP="redis-$n" ANNOUNCE_PORT=6379 \
    ACL_FILE=/data/users.acl render "$T/redis.conf.tmpl" "$tmp"
  tls_block 6379 "$tmp"
  # Replicas of redis-0 at first start only; Sentinel rewrites this line (CONFIG REWRITE) after a failover.
  [ "$n" = 0 ] || printf '\nreplicaof redis-0 6379\n' >> "$tmp"
  render "$T/users.acl.tmpl" "$d/users.acl"
  mv "$tmp" "$d/redis.conf"
  echo "redis-$n: rendered $d/redis.conf and users.acl"
done
for n in 0 1 2; do
  d="$V/sentinel-$n"
  if [ -f "$d/sentinel.conf" ]; then echo "sentinel-$n: keeping $d/sentinel.conf (owned by Sentinel now)"; continue; fi
  tmp="$d/sentinel.conf.rendering"
  BIND="* -::*" PORT=26379 DATA_DIR=/data LOG_FILE='""' MASTER_IP=redis-0 MASTER_PORT=6379 QUORUM=2 RESOLVE_HOSTNAMES=yes \
    render "$T/sentinel.conf.tmpl" "$tmp"
  {
    # Sentinels name nodes and each other by service name, the names natMap maps from the host.
    printf '\nsentinel announce-hostnames yes\nsentinel announce-ip sentinel-%s\nsentinel announce-port 26379\n' "$n"
  } >> "$tmp"
  tls_block 26379 "$tmp"
  mv "$tmp" "$d/sentinel.conf"
  echo "sentinel-$n: rendered $d/sentinel.conf"
done
