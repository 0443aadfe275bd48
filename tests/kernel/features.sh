#!/bin/sh
# features.sh: the referee on targeted policies, one per feature group
# (tests/kernel/features/NAME.fw with NAME.pkts and NAME.topo beside it),
# both backends. Needs root; `make kernel` runs it. FEATURES=DIR runs the
# policies of another directory.
here=$(dirname "$0")
features=${FEATURES:-$here/features}
exec sh "$here/referee-set.sh" features-referee "$features" "$features"
