#!/bin/sh
version="${APP_VERSION:-1}"
if [ "$version" = bad ]; then
    echo "versioned: APP_VERSION=bad, exiting" >&2
    exit 3
fi
mkdir -p /www
echo "$version" > /www/version
if [ "$version" != unready ]; then
    echo ok > /www/_health
fi
echo "versioned: serving version $version on :8080"
exec httpd -f -p 8080 -h /www
