#!/bin/sh
# Install the OS packages the test suite needs, when they are missing:
#   graphviz               the `dot` binary that renders graphs (tinygrad_np.viz)
#   dataset-fashion-mnist  the full Fashion-MNIST in /usr/share/datasets/fashion-mnist
#   python3-venv           only where Debian's own python3 lacks the venv module
# Debian/Ubuntu only; elsewhere it says what to install and goes on.
set -eu
missing=""
command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] \
    || missing="$missing dataset-fashion-mnist"
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$missing python3-venv"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-os-deps: missing:$missing. Not a Debian/Ubuntu machine: install graphviz" \
         "(brew install graphviz / conda install -c conda-forge graphviz) and put the" \
         "Fashion-MNIST files in /usr/share/datasets/fashion-mnist or \$TINYGRAD_NP_DATA." >&2
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-os-deps: installing$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is intended
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
