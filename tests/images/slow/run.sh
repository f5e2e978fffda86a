#!/bin/sh
trap 'exit 143' TERM INT
delay="${START_DELAY:-2}"
echo "slow: starting, serving on :8080 in ${delay}s"
sleep "$delay" &
wait $!
echo "slow: serving on :8080"
exec httpd -f -p 8080 -h /www
