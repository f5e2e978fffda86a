#!/bin/sh
# store: serves /www on :9000. It becomes ready after $STARTUP_SECONDS (default
# 1): then it creates /tmp/ready (the exec health check) and /www/_health.
: "${LOG_LEVEL:=info}" "${STARTUP_SECONDS:=1}"
log() { echo "$(date -u +%H:%M:%S) store: $*"; }
log "starting: app=${_APP_NAME:-store} deploy_env=${_DEPLOY_ENV:-none} log_level=$LOG_LEVEL; serving http on :9000, ready in ${STARTUP_SECONDS}s"
rm -f /tmp/ready /www/_health
(
    sleep "$STARTUP_SECONDS"
    echo ok > /www/_health
    touch /tmp/ready
    log "ready (/tmp/ready created)"
) &
verbose=""
[ "$LOG_LEVEL" = debug ] && verbose="-vv"   # httpd -vv logs every request (url, response) to stderr
exec httpd -f $verbose -p 9000 -h /www
