#!/bin/sh
# One connection of the cache: one command per line, one reply per line.
# stdin/stdout are the socket; stderr goes to the container's log.
log() { [ "$LOG_LEVEL" = debug ] && echo "$(date -u +%H:%M:%S) cache: $*" >&2; }
valid() { case "$1" in ''|*[!A-Za-z0-9_.-]*) return 1 ;; esac; }
while read -r cmd key val; do
    cmd=$(echo "$cmd" | tr -d '\r' | tr '[:lower:]' '[:upper:]'); key=$(echo "$key" | tr -d '\r'); val=$(echo "$val" | tr -d '\r')
    case "$cmd" in
        '') continue ;;
        PING) reply="+PONG" ;;
        QUIT) echo "+OK"; exit 0 ;;
        GET|SET|INCR|DEL)
            if ! valid "$key"; then
                reply="-ERR bad key"
            elif [ "$cmd" = GET ]; then
                if [ -f "/data/$key" ]; then reply="+$(cat "/data/$key")"; else reply='$-1'; fi
            elif [ "$cmd" = SET ]; then
                echo "$val" > "/data/$key"; reply="+OK"
            elif [ "$cmd" = DEL ]; then
                if rm "/data/$key" 2>/dev/null; then reply=":1"; else reply=":0"; fi
            else
                n=$(cat "/data/$key" 2>/dev/null || echo 0)
                case "$n" in ''|*[!0-9]*) reply="-ERR value is not an integer" ;;
                    *) n=$((n + 1)); echo "$n" > "/data/$key"; reply=":$n" ;; esac
            fi ;;
        *) reply="-ERR unknown command '$cmd'" ;;
    esac
    echo "$reply"
    log "$cmd${key:+ $key} -> $reply"
done
