#!/bin/sh
# api: serves /www on :8080 (/_health, /cgi-bin/status as JSON). Every
# $CHECK_EVERY seconds it counts a check in cache (INCR over TCP) and calls
# store's /_health, logs the result and keeps it in /tmp/status.json.
: "${LOG_LEVEL:=info}" "${CHECK_EVERY:=3}"
log() { echo "$(date -u +%H:%M:%S) api: $*"; }

cache=""; store=""
[ -n "${SERVICE_CACHE_REDIS_HOST:-}" ] && cache="$SERVICE_CACHE_REDIS_HOST:${SERVICE_CACHE_REDIS_PORT:-6379}"
[ -n "${SERVICE_STORE_DEFAULT_HOST:-}" ] && store="$SERVICE_STORE_DEFAULT_HOST:${SERVICE_STORE_DEFAULT_PORT:-9000}"
log "starting: app=${_APP_NAME:-api} deploy_env=${_DEPLOY_ENV:-none} log_level=$LOG_LEVEL; cache at ${cache:-<not set>} (${SERVICE_CACHE_REDIS_PROTO:-?}), store at ${store:-<not set>} (${SERVICE_STORE_DEFAULT_PROTO:-?})"
echo '{"app":"api","status":"starting"}' > /tmp/status.json

(
    n=0
    while :; do
        n=$((n + 1))
        c=skipped; s=skipped; count=null; reply=""
        if [ -n "$cache" ]; then
            reply=$(echo "INCR api_checks" | timeout 2 nc "${cache%:*}" "${cache##*:}" 2>&1 | tr -d '\r')
            case "$reply" in
                :*) c=ok; count=${reply#:} ;;
                *)  c=failed ;;
            esac
        fi
        if [ -n "$store" ]; then
            if timeout 2 wget -q -O- "http://$store/_health" >/dev/null 2>&1; then s=ok; else s=failed; fi
        fi
        now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
        echo "{\"app\":\"api\",\"status\":\"ok\",\"deploy_env\":\"${_DEPLOY_ENV:-}\",\"cache\":\"$c\",\"store\":\"$s\",\"checks_counted_in_cache\":$count,\"at\":\"$now\"}" > /tmp/status.json.new
        mv /tmp/status.json.new /tmp/status.json
        if [ "$LOG_LEVEL" = debug ]; then
            log "check $n: cache $cache INCR api_checks -> ${reply:-n/a} ($c); store GET http://$store/_health -> $s"
        else
            log "check $n: cache $c, store $s"
        fi
        sleep "$CHECK_EVERY"
    done
) &

log "serving http on :8080"
exec httpd -f -p 8080 -h /www
