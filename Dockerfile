# The reconciler as a container image: `docker run --rm -v "$PWD:/work" IMAGE plan`.
#
#   docker build -t reconciler .
#   docker run --rm -v "$PWD:/work" -e RECONCILER_TARGET -e RECONCILER_TOKEN reconciler plan
#
# The runtime dependencies and the build backend come from requirements.lock, pinned and
# hash-checked; the reconciler itself is installed on top with --no-deps and
# --no-build-isolation (nothing unpinned is fetched to build it). It runs as an unprivileged user
# in /work (mount the config repository there); git is in the image because apply
# records the commit it applied and plan reads what the last applied commit protected.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /opt/reconciler \
    && /opt/reconciler/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY schemas/ schemas/
COPY reconciler/ reconciler/
RUN /opt/reconciler/bin/pip install --no-cache-dir --no-deps --no-build-isolation . \
    && /opt/reconciler/bin/pip check

FROM python:3.11-slim-bookworm
# git's version is the distribution's security-patched one, not a pin that would rot
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 reconciler \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin reconciler \
    && mkdir /work && chown reconciler:reconciler /work
COPY --from=build /opt/reconciler /opt/reconciler
ENV PATH=/opt/reconciler/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /work
# a mounted repository belongs to another uid: let git read it all the same
RUN git config --global --add safe.directory '*'
ENTRYPOINT ["reconciler"]
CMD ["--help"]
