#!/bin/sh
# Runs tests/tsan/planted_race.cc's binary (argument 1) under the suppressions the tsan preset sets
# in TSAN_OPTIONS and passes only if ThreadSanitizer reported its planted race: the suppressions
# for gRPC must not hide a race in our own code.
out=$("$1" 2>&1)
status=$?
if [ "$status" -eq 66 ] && printf '%s\n' "$out" | grep -q 'WARNING: ThreadSanitizer: data race' &&
   printf '%s\n' "$out" | grep -q 'PlantedRaceWrite'; then
  echo "the planted race was reported (exit $status)"
  exit 0
fi
printf '%s\n' "$out" | tail -40
echo "the planted race was NOT reported (exit $status): a suppression hides races in our code" >&2
exit 1
