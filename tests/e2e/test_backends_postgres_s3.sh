#!/usr/bin/env bash
# The upload/download/oneShot/archive/Range/cleaning suite (test_upload_download.sh) on
# PostgreSQL 15 + S3 (Swift's s3api, real SigV4, 5 MiB multipart parts), both started by the test on loopback.
E2E_BACKENDS=postgres+s3 exec bash "$(dirname "$0")/test_upload_download.sh" "$@"
