#!/bin/sh
trap 'exit 143' TERM INT
lines="${LINES:-100}"
i=1
while [ "$i" -le "$lines" ]; do
    echo "out $i"
    echo "err $i" >&2
    i=$((i + 1))
done
if [ "${FOLLOW:-0}" = 1 ]; then
    while :; do
        echo "out $i"
        i=$((i + 1))
        usleep 100000
    done
fi
while :; do
    sleep 3600 &
    wait $!
done
