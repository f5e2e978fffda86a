#!/bin/sh
# web: serves /www on :8080 (index page with $GREETING, /_health, /cgi-bin/api)
# and calls api's /cgi-bin/status every $CHECK_EVERY seconds, logging the result.
: "${LOG_LEVEL:=info}" "${GREETING:=hello}" "${CHECK_EVERY:=3}"
log() { echo "$(date -u +%H:%M:%S) web: $*"; }

api=""
[ -n "${SERVICE_API_HTTP_HOST:-}" ] && api="$SERVICE_API_HTTP_HOST:${SERVICE_API_HTTP_PORT:-8080}"
log "starting: app=${_APP_NAME:-web} deploy_env=${_DEPLOY_ENV:-none} log_level=$LOG_LEVEL greeting=\"$GREETING\"; api at ${api:-<not set: SERVICE_API_HTTP_HOST>}"

cat > /www/index.html <<HTML
<!doctype html>
<title>ark demo: web</title>
<h1>$GREETING</h1>
<p>web (${_DEPLOY_ENV:-no environment}) talks to api at ${api:-nowhere}.
See <a href="/cgi-bin/api">what api says</a>.</p>
HTML
echo "${api}" > /tmp/api-address

if [ -n "$api" ]; then
    (
        n=0
        while :; do
            n=$((n + 1))
            if body=$(timeout 2 wget -q -O- "http://$api/cgi-bin/status" 2>&1); then
                if [ "$LOG_LEVEL" = debug ]; then
                    log "check $n: GET http://$api/cgi-bin/status -> ok $body"
                else
                    log "check $n: api ok"
                fi
            else
                log "check $n: GET http://$api/cgi-bin/status -> FAILED: $(echo "$body" | tail -n1)"
            fi
            sleep "$CHECK_EVERY"
        done
    ) &
fi

log "serving http on :8080"
exec httpd -f -p 8080 -h /www
