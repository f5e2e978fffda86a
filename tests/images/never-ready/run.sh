#!/bin/sh
trap 'exit 143' TERM INT
httpd -f -p 8080 -h /www &
n=0
while :; do
    n=$((n + 1))
    echo "never-ready: not ready ($n)"
    sleep 1 &
    wait $!
done
