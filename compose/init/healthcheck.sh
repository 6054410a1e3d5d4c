#!/bin/sh
# Role-aware health of a node or sentinel, as the monitoring user over TLS:
#   node:     healthy as a master, or as a replica whose link to its master is up;
#   sentinel: healthy when SENTINEL CKQUORUM passes (a majority is reachable and can fail over).
# Usage: healthcheck.sh node|sentinel   (MONITORING_PASSWORD and MASTER_NAME in the environment)
set -eu
case "$1" in
  node)
    out="$(REDISCLI_AUTH="$MONITORING_PASSWORD" redis-cli --no-auth-warning --tls --cacert /tls/ca.crt --user monitoring -h 127.0.0.1 -p 6379 INFO replication)"
    case "$out" in
      *role:master*) exit 0 ;;
      *master_link_status:up*) exit 0 ;;
      *) echo "replica link down or no answer"; exit 1 ;;
    esac ;;
  sentinel)
    out="$(REDISCLI_AUTH="$MONITORING_PASSWORD" redis-cli --no-auth-warning --tls --cacert /tls/ca.crt --user monitoring -h 127.0.0.1 -p 26379 SENTINEL CKQUORUM "$MASTER_NAME")"
    case "$out" in OK*) exit 0 ;; *) echo "$out"; exit 1 ;; esac ;;
  *) echo "usage: healthcheck.sh node|sentinel" >&2; exit 2 ;;
esac
