#!/bin/sh
i=1
while [ "$i" -le 25 ]; do
    echo "line $i"
    i=$((i + 1))
done
sleep "${CRASH_AFTER:-0}"
echo "fatal: boom" >&2
exit 3
