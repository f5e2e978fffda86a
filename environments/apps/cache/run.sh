#!/bin/sh
# cache: a redis-like server on TCP 6379. busybox nc has no -k: `-ll` with `-e`
# keeps listening and runs handle.sh for every connection.
: "${LOG_LEVEL:=info}"
export LOG_LEVEL
echo "$(date -u +%H:%M:%S) cache: starting: app=${_APP_NAME:-cache} deploy_env=${_DEPLOY_ENV:-none} log_level=$LOG_LEVEL; listening on tcp :6379 (PING, GET k, SET k v, INCR k, DEL k)"
exec nc -ll -p 6379 -e /app/handle.sh
