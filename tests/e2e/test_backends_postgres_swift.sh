#!/usr/bin/env bash
# The upload/download/oneShot/archive/Range/cleaning suite (test_upload_download.sh) on
# PostgreSQL 15 + OpenStack Swift (tempauth), both started by the test on loopback.
E2E_BACKENDS=postgres+swift exec bash "$(dirname "$0")/test_upload_download.sh" "$@"
