#!/usr/bin/env bash
# Puts a keyhound binary on the runner and prints its path as the step output `bin`.
#
#   install.sh resolve   the release binary of the action's ref (checksum-verified), or the
#                        outputs `build=true`, `root` and `cache-key` for a source build
#   install.sh build     cargo install --locked --path "$GITHUB_ACTION_PATH" into `root`
#                        (skipped when actions/cache restored it)
#
# Environment: KEYHOUND_BIN (a binary to use as is: no download, no build; the tests use it),
# KEYHOUND_ACTION_REF and KEYHOUND_ACTION_REPOSITORY (github.action_ref and
# github.action_repository), RUNNER_OS, RUNNER_ARCH, GITHUB_ACTION_PATH, GITHUB_OUTPUT;
# KEYHOUND_RELEASES_URL replaces https://github.com/OWNER/REPO/releases/download (tests).
#
# A release binary is used only when the action is referenced by a version tag (v1, v1.2,
# v1.2.3): the release is the one of the version in the action's Cargo.toml, and its
# SHA256SUMS must list the asset with the same hash, or the step fails (a mismatch is never
# papered over by building). A branch, a commit SHA or a local `uses: ./` builds from the
# action's own source, so the binary always matches the code of that ref.
set -euo pipefail

mode=${1:-resolve}
out=${GITHUB_OUTPUT:-/dev/null}
action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
exe=""
case "${RUNNER_OS:-$(uname -s)}" in
Windows | MINGW* | MSYS* | CYGWIN*) exe=".exe" ;;
esac

say() { printf 'keyhound: %s\n' "$*" >&2; }
fail() {
    printf '::error title=keyhound install::%s\n' "$*"
    exit 2
}

# The Rust target triple of this runner, as release.yml names its assets.
target() {
    local os arch
    os=${RUNNER_OS:-$(uname -s)}
    arch=${RUNNER_ARCH:-$(uname -m)}
    case "$arch" in
    X64 | x86_64 | amd64) arch=x86_64 ;;
    ARM64 | aarch64 | arm64) arch=aarch64 ;;
    *) return 1 ;;
    esac
    case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    macOS | Darwin) echo "$arch-apple-darwin" ;;
    Windows | MINGW* | MSYS* | CYGWIN*) [ "$arch" = x86_64 ] && echo "x86_64-pc-windows-msvc" ;;
    *) return 1 ;;
    esac
}

sha256() {
    if command -v sha256sum >/dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

cargo_version() {
    sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$action_path/Cargo.toml" | head -n1
}

# A cache key that changes whenever the source does: the ref for tags, else a hash of the
# sources (a branch or `uses: ./` moves under the same name).
cache_key() {
    local ref=${KEYHOUND_ACTION_REF:-}
    local digest
    digest=$(cd "$action_path" && find Cargo.toml Cargo.lock build.rs src rules -type f 2>/dev/null |
        LC_ALL=C sort | while read -r f; do sha256 "$f"; done | (sha256sum 2>/dev/null || shasum -a 256) | cut -c1-16)
    echo "keyhound-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${ref:-local}-$digest"
}

resolve() {
    if [ -n "${KEYHOUND_BIN:-}" ]; then
        [ -x "$KEYHOUND_BIN" ] || fail "KEYHOUND_BIN=$KEYHOUND_BIN is not an executable file"
        say "using $KEYHOUND_BIN (KEYHOUND_BIN)"
        echo "bin=$KEYHOUND_BIN" >>"$out"
        return
    fi
    local ref=${KEYHOUND_ACTION_REF:-} repo=${KEYHOUND_ACTION_REPOSITORY:-} triple version
    # github.action_ref/action_repository are not promised inside composite actions
    # (actions/runner#2473); the runner keeps actions under _actions/OWNER/REPO/REF.
    if [ -z "$ref" ] || [ -z "$repo" ]; then
        case "$action_path" in
        */_actions/*/*/*)
            local rest=${action_path#*/_actions/}
            repo=$(echo "$rest" | cut -d/ -f1-2)
            ref=$(echo "$rest" | cut -d/ -f3)
            ;;
        esac
    fi
    if [[ "$ref" =~ ^v[0-9]+(\.[0-9]+){0,2}$ ]] && [ -n "$repo" ] && triple=$(target) &&
        version=$(cargo_version) && [ -n "$version" ]; then
        local tag="v$version" asset="keyhound-$triple$exe" dir
        dir="${RUNNER_TEMP:-$(mktemp -d)}/keyhound-$tag"
        mkdir -p "$dir"
        local base="${KEYHOUND_RELEASES_URL:-https://github.com/$repo/releases/download}/$tag"
        if curl -fsSL --retry 3 -o "$dir/SHA256SUMS" "$base/SHA256SUMS" &&
            curl -fsSL --retry 3 -o "$dir/$asset" "$base/$asset"; then
            local want got
            want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$dir/SHA256SUMS")
            got=$(sha256 "$dir/$asset")
            [ -n "$want" ] || fail "SHA256SUMS of release $tag does not list $asset"
            [ "$want" = "$got" ] || fail "checksum mismatch for $asset of release $tag: expected $want, got $got"
            chmod +x "$dir/$asset"
            say "using release $tag ($asset, sha256 $got)"
            echo "bin=$dir/$asset" >>"$out"
            return
        fi
        say "no release asset $asset for $tag of $repo; building from source"
    else
        say "action ref '${ref:-local}' is not a version tag (or this runner has no release binary); building from source"
    fi
    echo "build=true" >>"$out"
    echo "root=$HOME/.keyhound-action" >>"$out"
    echo "cache-key=$(cache_key)" >>"$out"
}

build() {
    local root=${KEYHOUND_ROOT:?KEYHOUND_ROOT is the install root from the resolve step}
    local bin="$root/bin/keyhound$exe"
    if [ -x "$bin" ]; then
        say "using the cached build $bin"
    else
        command -v cargo >/dev/null || fail "no release binary for this runner and no cargo to build one: install Rust (e.g. dtolnay/rust-toolchain) before this step"
        cargo install --locked --path "$action_path" --root "$root"
    fi
    echo "bin=$bin" >>"$out"
}

case "$mode" in
resolve) resolve ;;
build) build ;;
*) fail "unknown mode '$mode' (resolve or build)" ;;
esac
