#!/bin/sh
# examples.sh: the referee on the examples, both backends: every
# examples/NAME.fw with packets in tests/kernel/packets/NAME.pkts (and its
# addresses and routes in NAME.topo). Needs root; `make kernel` runs it.
# EXAMPLES=DIR takes the policies from another directory.
here=$(dirname "$0")
exec sh "$here/referee-set.sh" examples-referee "${EXAMPLES:-$here/../../examples}" "$here/packets"
