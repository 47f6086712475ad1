# pm2 in C as a container image: one static binary, FROM scratch.
#
#   docker build -t pm2 .        builds from source on Debian bookworm (needs
#                                the Debian archive for musl-tools and the
#                                cJSON/libcap sources)
#   make image                   packages the binary you built with `make`
#                                (--target prebuilt: no network, no base
#                                image; podman or docker)
#
# The final image holds /pm2 and /pm2-runtime (a link to it), nothing else.
# It is meant to be copied from, into the image your app already uses:
#
#   FROM node:22-bookworm-slim
#   COPY --from=pm2 /pm2 /usr/local/bin/pm2
#   RUN ln -s pm2 /usr/local/bin/pm2-runtime
#   WORKDIR /app
#   COPY . .
#   ENTRYPOINT ["pm2-runtime", "ecosystem.json"]
#
# (container/Dockerfile.node is that, complete.) Always the exec form: with
# the shell form, /bin/sh is PID 1 and `docker stop` never reaches pm2.

FROM debian:bookworm-slim AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	gcc libc6-dev make musl-tools dpkg-dev patch xz-utils file >/dev/null
WORKDIR /src
COPY Makefile VERSION ./
COPY scripts/ scripts/
COPY src/ src/
# `make` builds cJSON and libcap from Debian's source packages first.
RUN make all \
 && file build/pm2 | grep -q 'statically linked' \
 && mkdir /out && cp build/pm2 /out/pm2 && ln -s pm2 /out/pm2-runtime

# How the image runs, shared by both ways of making it; no files yet.
FROM scratch AS runtime
# Docker's default, said out loud: `docker stop` and Kubernetes send
# SIGTERM to PID 1. pm2-runtime takes SIGTERM, SIGINT and SIGQUIT as "stop
# every app gracefully": each app gets its kill_signal (SIGINT), then
# SIGKILL after its kill_timeout (1600 ms unless set); then pm2-runtime
# exits 0. Docker waits 10 s (`docker stop -t`, compose stop_grace_period)
# and Kubernetes terminationGracePeriodSeconds (30 s) before it SIGKILLs
# PID 1: keep every kill_timeout well below that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/pm2-runtime"]
CMD ["/app/ecosystem.json"]

# `make image`: this checkout's build/image/ (see the Makefile), no
# compiling, no base image to pull.
FROM runtime AS prebuilt
COPY build/image/ /

# The default target: the binary the build stage compiled.
FROM runtime
COPY --from=build /out/ /
