#!/bin/sh
# make demo: the main job.  Until the pipeline runner lands, it runs the two
# two-process examples of the shared-memory core.
set -eu
bin=${1:-build/bin}
echo "== seed ex01: writer and reader processes over a seqlock latest-value slot"
"$bin/ex01_seqlock" --seconds 2
echo
echo "== seed ex05: producer and consumer processes over the SPSC ring"
"$bin/ex05_ring"
