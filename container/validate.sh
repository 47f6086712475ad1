#!/bin/sh
# Check the container examples.
#
#   container/validate.sh yaml     YAML syntax and style of container/*.yaml
#                                  (yamllint, from Debian; .yamllint.yaml)
#   container/validate.sh schema   Kubernetes objects against the API schema
#                                  (npm's kubernetes-models, installed once
#                                  into build/k8s-validate; exit 77 when npm
#                                  cannot fetch it)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MANIFESTS=$ROOT/container/kubernetes.yaml
VALIDATOR=$ROOT/build/k8s-validate
MODELS="kubernetes-models@5.1.0 yaml@2.8.1"

case ${1:-} in
yaml)
	cd "$ROOT"
	exec yamllint --strict container/
	;;
schema)
	if [ ! -d "$VALIDATOR/node_modules/kubernetes-models" ]; then
		mkdir -p "$VALIDATOR"
		echo '{"private": true}' >"$VALIDATOR/package.json"
		# shellcheck disable=SC2086
		(cd "$VALIDATOR" && npm install --no-audit --no-fund --loglevel=error $MODELS) >&2 || {
			echo "validate.sh: cannot install $MODELS from npm" >&2
			exit 77
		}
	fi
	cp "$ROOT/container/k8s-schema.mjs" "$VALIDATOR/"
	exec node "$VALIDATOR/k8s-schema.mjs" "$MANIFESTS"
	;;
*)
	echo "usage: validate.sh yaml|schema" >&2
	exit 2
	;;
esac
