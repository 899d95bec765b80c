#!/usr/bin/env bash
# The keyhound action's scan step: works out what to scan from the event, runs keyhound once
# for every report (SARIF, annotations, step summary, JSON), sets the outputs and the exit
# status. Everything comes from the environment, so tests can run it with a simulated runner.
#
# Runner environment: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_WORKSPACE, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY, GITHUB_REF, RUNNER_TEMP. Inputs (action.yml maps each one):
# INPUT_PATH, INPUT_BASE, INPUT_HEAD, INPUT_ARGS, INPUT_CONFIG, INPUT_BASELINE,
# INPUT_SARIF_FILE, INPUT_FAIL_ON, INPUT_VERIFY, INPUT_VERIFY_MAX_REQUESTS, INPUT_ANNOTATIONS,
# INPUT_SUMMARY, INPUT_HISTORY. KEYHOUND_BIN: the keyhound binary.
#
# What is scanned:
#   pull_request, pull_request_target   pull_request.base.sha .. pull_request.head.sha
#   merge_group                         merge_group.base_sha .. merge_group.head_sha
#   push                                before .. after; an all-zero `before` (a new branch)
#                                       or a `before` that is gone (a force push): the commits
#                                       of `after` that are on no other remote branch or tag
#                                       (not the payload's `commits`, which stops at 20)
#   anything else (schedule, workflow_dispatch, ...)
#                                       the working tree; with history: true, the history
#   inputs base/head                    override the event's
# Base equal to head scans nothing and says so. Exit status: 0 clean (or fail-on: none),
# 1 findings that fail-on counts, 2 a usage or setup error.
set -euo pipefail

zero=0000000000000000000000000000000000000000

note() { printf '::notice title=keyhound::%s\n' "$*"; }
die() {
    # One line for the annotation (the message is data: escape it), the same on stderr.
    local msg=$*
    msg=${msg//'%'/%25}
    printf '::error title=keyhound::%s\n' "${msg//$'\n'/%0A}"
    printf 'keyhound: %s\n' "$*" >&2
    exit 2
}
bool() {
    case "$(printf %s "$1" | tr '[:upper:]' '[:lower:]')" in
    true | yes | 1 | on) return 0 ;;
    false | no | 0 | off | '') return 1 ;;
    *) die "'$1' is not true or false" ;;
    esac
}
output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

command -v jq >/dev/null || die "jq is needed to read the event payload; install it before this step"
command -v git >/dev/null || die "git is needed to scan commit ranges"
bin=${KEYHOUND_BIN:-keyhound}
command -v "$bin" >/dev/null || die "no keyhound binary at '$bin'"

fail_on=${INPUT_FAIL_ON:-any}
case "$fail_on" in
live | any | none) ;;
*) die "fail-on must be live, any or none, not '$fail_on'" ;;
esac
verify=false
bool "${INPUT_VERIFY:-false}" && verify=true
if [ "$fail_on" = live ] && [ "$verify" = false ]; then
    die "fail-on: live needs verify: true (without verification no key is known to be live, so the step could never fail)"
fi
max_requests=${INPUT_VERIFY_MAX_REQUESTS:-100}
case "$max_requests" in
'' | *[!0-9]* | 0 | 0*) die "verify-max-requests must be a whole number of 1 or more, not '$max_requests'" ;;
esac
annotations=false
bool "${INPUT_ANNOTATIONS:-true}" && annotations=true
history=false
bool "${INPUT_HISTORY:-false}" && history=true

cd "${GITHUB_WORKSPACE:-.}"
path=${INPUT_PATH:-.}
[ -e "$path" ] || die "path '$path' does not exist in $(pwd)"
sarif=${INPUT_SARIF_FILE:-keyhound.sarif}
tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/keyhound.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

event=${GITHUB_EVENT_NAME:-}
payload=${GITHUB_EVENT_PATH:-}
field() {
    if [ -n "$payload" ] && [ -f "$payload" ]; then
        jq -r "$1 // empty" "$payload"
    fi
}

git_() { git -C "$path" "$@"; }
have_commit() { git_ cat-file -e "$1^{commit}" 2>/dev/null; }
shallow() { [ "$(git_ rev-parse --is-shallow-repository 2>/dev/null)" = true ]; }
missing() {
    local what=$1 sha=$2
    if shallow; then
        die "the $what commit $sha is not in this clone: it is shallow. Set 'fetch-depth: 0' on actions/checkout so the commits to scan are fetched."
    fi
    die "the $what commit $sha is not in this clone. Set 'fetch-depth: 0' on actions/checkout (and for pull_request_target check out the pull request's head) so the commits to scan are fetched."
}

# The commits of $1 that no other remote branch or tag holds: where a new branch starts.
# Prints the base to scan from, nothing when $1 is a root history (scan all of it), or $1
# itself when every commit of it is already elsewhere.
new_branch_base() {
    local head=$1 own=${GITHUB_REF:-}
    own=${own#refs/heads/}
    local others=()
    while read -r name sha; do
        [ "$name" = "refs/remotes/origin/$own" ] && continue
        [ "$name" = "refs/remotes/origin/HEAD" ] && continue
        others+=("^$sha")
    done < <(git_ for-each-ref --format='%(refname) %(objectname)' refs/remotes refs/tags)
    local oldest
    # (An empty array expands to nothing this way even under `set -u` in bash 3.2, macOS's.)
    oldest=$(git_ rev-list --topo-order --reverse "$head" ${others[@]+"${others[@]}"} -- | head -n1)
    if [ -z "$oldest" ]; then
        echo "$head"
    elif git_ rev-parse -q --verify "$oldest^" >/dev/null; then
        git_ rev-parse "$oldest^"
    fi
}

mode=tree base="" head="" why=""
case "$event" in
pull_request | pull_request_target)
    mode=range base=$(field .pull_request.base.sha) head=$(field .pull_request.head.sha)
    why="pull request #$(field .pull_request.number)" ;;
merge_group)
    mode=range base=$(field .merge_group.base_sha) head=$(field .merge_group.head_sha)
    why="merge group $(field .merge_group.head_ref)" ;;
push)
    mode=range base=$(field .before) head=$(field .after)
    why="push to ${GITHUB_REF:-$(field .ref)}" ;;
*)
    why="${event:-no} event: the working tree" ;;
esac
[ -n "${INPUT_BASE:-}" ] && mode=range base=$INPUT_BASE why="base input"
[ -n "${INPUT_HEAD:-}" ] && head=$INPUT_HEAD
if [ "$mode" = range ]; then
    [ -n "$head" ] || head=HEAD
    [ "$head" != "$zero" ] || {
        note "the branch was deleted: nothing to scan"
        mode=none
    }
fi
if [ "$mode" = range ]; then
    git_ rev-parse --git-dir >/dev/null 2>&1 || die "'$path' is not a git repository; check out the repository with actions/checkout (fetch-depth: 0) first"
    have_commit "$head" || missing head "$head"
    head=$(git_ rev-parse "$head^{commit}")
    if [ -z "$base" ]; then
        die "the $event event carries no base commit; set the 'base' input"
    elif [ "$base" = "$zero" ] || { [ "$event" = push ] && ! have_commit "$base" && ! shallow; }; then
        # A new branch, or a force push whose old tip is gone.
        shallow && missing "first" "of the pushed branch"
        base=$(new_branch_base "$head")
        if [ -z "$base" ]; then
            mode=history
            why="$why (new history: every commit)"
        else
            why="$why (new branch: the commits on no other branch or tag)"
        fi
    else
        have_commit "$base" || missing base "$base"
        base=$(git_ rev-parse "$base^{commit}")
    fi
fi
if [ "$mode" = tree ] && [ "$history" = true ] && shallow; then
    die "history: true needs the whole history, but this clone is shallow. Set 'fetch-depth: 0' on actions/checkout."
fi
if [ "$mode" = range ] && [ "$base" = "$head" ]; then
    note "base and head are the same commit (${head:0:12}): nothing to scan"
    mode=none
fi

args=(scan)
case "$mode" in
range)
    args+=(--since-commit "$base" --until "$head")
    range="\`${base:0:12}..${head:0:12}\`" ;;
history)
    args+=(--history --branch "$head")
    range="the history of \`${head:0:12}\`" ;;
tree)
    bool "$history" && args+=(--history)
    range=$([ "$history" = true ] && echo "the history" || echo "the working tree") ;;
none)
    range="nothing" ;;
esac
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
if [ "$verify" = true ]; then
    args+=(--verify)
    # A cap given in `args` is the user's own choice; clap would refuse the option twice.
    case " ${INPUT_ARGS:-} " in
    *" --verify-max-requests"*) ;;
    *) args+=(--verify-max-requests "$max_requests") ;;
    esac
fi
args+=(--no-progress --report "json=$tmp/keyhound.json" --report "sarif=$sarif")
[ "$annotations" = true ] && args+=(--report github=-)
args+=(--report "markdown=$tmp/summary.md")
if [ -n "${INPUT_ARGS:-}" ]; then
    read -r -a extra <<<"$INPUT_ARGS"
    args+=(${extra[@]+"${extra[@]}"})
fi

if [ "$mode" = none ]; then
    # Still write the reports (an empty SARIF keeps upload-sarif and code scanning happy).
    mkdir "$tmp/empty"
    args=(scan --no-progress --report "json=$tmp/keyhound.json" --report "sarif=$sarif" --report "markdown=$tmp/summary.md" "$tmp/empty")
else
    args+=("$path")
fi

echo "keyhound: scanning $range ($why)" >&2
status=0
"$bin" "${args[@]}" || status=$?
if [ "$status" -ge 2 ] || [ ! -f "$tmp/keyhound.json" ]; then
    die "keyhound failed (exit status $status); see the messages above"
fi

findings=$(jq '.findings | length' "$tmp/keyhound.json")
live=$(jq '[.findings[] | select(.verification.status? == "live")] | length' "$tmp/keyhound.json")
output findings "$findings"
output sarif-file "$sarif"
if bool "${INPUT_SUMMARY:-true}" && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
        cat "$tmp/summary.md"
        # Branch names are the pusher's: only plain characters reach the Markdown.
        printf '\nScanned %s (%s).\n' "$range" "$(printf %s "$why" | tr -c 'A-Za-z0-9 ._/#:(),+-' '_')"
    } >>"$GITHUB_STEP_SUMMARY"
fi

case "$fail_on" in
any) [ "$findings" -eq 0 ] || exit 1 ;;
live) [ "$live" -eq 0 ] || exit 1 ;;
none) ;;
esac
exit 0
