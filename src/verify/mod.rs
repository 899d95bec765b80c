//! Live verification (`--verify`, `keyhound verify`): asks each provider's own endpoint whether
//! a key works, and records `live`, `dead` or `unknown` with a detail on the finding.
//!
//! The contract: nothing here runs without `--verify` (no client is built, no name resolved);
//! the secret goes only to the endpoint its rule's trusted verifier names (built-in rules and
//! `--rules` files, never configuration from the scanned tree), or to the operator's
//! `--verify-endpoint` override; each distinct secret is sent to each endpoint at most once per
//! run; at most `concurrency` requests are in flight, requests to one provider are spaced by
//! `min_interval`, and no more than `max_requests` are made in a run; the secret appears in no
//! message, and no control character from a response reaches one (see [`text`]).
//!
//! A shape shared by several providers (`sk-` + 32 hex: DeepSeek and Alibaba DashScope) is
//! asked about one provider at a time, and the next is asked only after the one before refused
//! the key outright (`dead`: DeepSeek's 401). A key DeepSeek may accept (402, 429, 5xx, a
//! timeout) therefore never goes on to Alibaba.

mod access;
mod aws;

pub use aws::civil_from_days;
pub mod http;
mod spec;
mod text;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};

use crate::finding::{Access, Finding, Verification, VerificationStatus};
use crate::rules::{Rule, RuleSet, VerifySpec};

/// Settings of one verification run, resolved from the command line.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Total time allowed for one request, from connecting to the last byte read.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// `--verify-endpoint`: provider id -> what replaces the verifier's origin.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Least time between two requests to the same provider.
    pub min_interval: Duration,
    /// Bytes of a response body read at most.
    pub body_cap: u64,
    /// Requests made at most in one run (`--verify-max-requests`); findings whose request
    /// would pass it are `unknown` with [`CAP_REACHED`].
    pub max_requests: usize,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Requests per second to one provider.
pub const DEFAULT_RATE: f64 = 5.0;
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_millis(200);
pub const DEFAULT_BODY_CAP: u64 = 64 * 1024;
/// Enough for an audit's few dozen distinct keys; a pull request full of key-shaped strings
/// cannot turn a CI run into a liveness oracle for more than this many.
pub const DEFAULT_MAX_REQUESTS: usize = 100;
/// The detail of a finding whose request was not made because of `max_requests`.
pub const CAP_REACHED: &str = "request cap reached";

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            endpoints: BTreeMap::new(),
            concurrency: DEFAULT_CONCURRENCY,
            min_interval: DEFAULT_MIN_INTERVAL,
            body_cap: DEFAULT_BODY_CAP,
            max_requests: DEFAULT_MAX_REQUESTS,
        }
    }
}

/// What replaces the scheme, host and port of a verifier's URL: an origin
/// (`http://127.0.0.1:8080`), optionally with a path put before the verifier's own
/// (`https://ghe.example.com/api/v3`, for GitHub Enterprise Server's API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub base: String,
}

/// Parses `PROVIDER=URL` of `--verify-endpoint`. The URL is `https://host[:port][/path]`, or
/// `http://` to a loopback address; a query, fragment or user info is refused. The verifier's
/// path follows the URL's own.
pub fn parse_endpoint(arg: &str) -> Result<(String, Endpoint)> {
    let Some((provider, url)) = arg.split_once('=') else {
        bail!("--verify-endpoint {arg:?}: write PROVIDER=URL, e.g. deepseek=http://127.0.0.1:8080");
    };
    let provider = provider.trim();
    if provider.is_empty()
        || !provider
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        bail!("--verify-endpoint {arg:?}: the provider {provider:?} must be a lowercase id such as `deepseek` (the first part of its rule ids)");
    }
    let url = url.trim().trim_end_matches('/');
    let Some((scheme, host)) = http::scheme_and_host(url) else {
        bail!(
            "--verify-endpoint {arg:?}: {url:?} is not a URL like https://host:port (no user info)"
        );
    };
    let rest = &url[scheme.len() + 3..];
    if rest.contains(['?', '#']) || rest.contains("//") || host.is_empty() {
        bail!("--verify-endpoint {arg:?}: give scheme, host, port and at most a path (no query or fragment); the verifier's path is added to it");
    }
    match scheme {
        "https" => {}
        "http" if http::is_loopback(host) => {}
        "http" => bail!(
            "--verify-endpoint {arg:?}: plain http:// is allowed only to a loopback address (127.0.0.1, ::1, localhost); use https://"
        ),
        other => bail!("--verify-endpoint {arg:?}: unknown scheme {other:?}; use https://"),
    }
    Ok((
        provider.to_string(),
        Endpoint {
            base: url.to_string(),
        },
    ))
}

/// One verifier a finding may be checked with: the provider it speaks for, its id and spec.
#[derive(Clone, Copy)]
struct Candidate<'r> {
    provider: &'r str,
    rule_id: &'r str,
    spec: &'r VerifySpec,
}

impl Candidate<'_> {
    /// The provider id `--verify-endpoint` and `keyhound verify --provider` name.
    fn id(&self) -> String {
        self.spec.provider_id(self.rule_id)
    }
}

/// The verifiers to try for a finding of `rule` attributed to `provider`, in order. When
/// context decided nothing (the finding carries the rule's own provider), every verifier of the
/// rule and of its attributions is a candidate; otherwise only the attributed provider's.
fn candidates<'r>(rule: &'r Rule, provider: &str) -> Vec<Candidate<'r>> {
    if !rule.trusted() {
        return Vec::new();
    }
    let spec = &rule.spec;
    let mut out = Vec::new();
    let undecided = provider == spec.provider;
    if undecided {
        if let Some(v) = &spec.verify {
            out.push(Candidate {
                provider: &spec.provider,
                rule_id: &spec.id,
                spec: v,
            });
        }
    }
    for a in &spec.attribute {
        if let Some(v) = &a.verify {
            if undecided || a.provider == provider {
                out.push(Candidate {
                    provider: &a.provider,
                    rule_id: &spec.id,
                    spec: v,
                });
            }
        }
    }
    out
}

/// The result for one group of findings, and the provider that answered live when several
/// were tried.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: VerificationStatus,
    pub detail: String,
    /// What the key can do, when it is live and its verifier reads that.
    pub access: Option<Access>,
    /// Set when several providers were candidates and this one answered live.
    pub provider: Option<String>,
}

/// Prints what the configuration could not do, then, with `options`, verifies every finding
/// whose rule has a trusted verifier. The scan's only hook into this module.
pub fn apply(options: Option<&VerifyOptions>, findings: &mut [Finding], rules: &RuleSet) {
    let Some(options) = options else {
        return;
    };
    let mut unused: Vec<&String> = options
        .endpoints
        .keys()
        .filter(|p| !provider_ids(rules).contains(p))
        .collect();
    unused.dedup();
    for p in unused {
        eprintln!(
            "warning: --verify-endpoint {p}=…: no verifier has the provider id `{p}`; nothing is redirected"
        );
    }
    run(options, findings, rules);
}

/// Every provider id a trusted verifier uses.
fn provider_ids(rules: &RuleSet) -> Vec<String> {
    let mut ids = Vec::new();
    for r in rules.rules().iter().filter(|r| r.trusted()) {
        let specs = r
            .spec
            .verify
            .iter()
            .chain(r.spec.attribute.iter().filter_map(|a| a.verify.as_ref()));
        for v in specs {
            ids.push(v.provider_id(&r.spec.id));
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Verifies `findings` in place: findings that share a rule, attribution, secret and partner
/// form one group and are asked about once.
pub fn run(options: &VerifyOptions, findings: &mut [Finding], rules: &RuleSet) {
    type Key = (String, String, String, Option<String>);
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(rule) = rules.get(&f.rule) else {
            continue;
        };
        if candidates(rule, &f.provider).is_empty() {
            continue;
        }
        let key = (
            f.rule.clone(),
            f.provider.clone(),
            f.raw.clone(),
            f.partner.clone(),
        );
        let g = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    if groups.is_empty() {
        if !findings.is_empty() {
            eprintln!("keyhound: --verify: none of the findings has a verifier");
        }
        return;
    }
    let verifier = Verifier::new(options);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..options.concurrency.clamp(1, groups.len()) {
            s.spawn(|| loop {
                let g = next.fetch_add(1, Ordering::Relaxed);
                let Some(((rule_id, provider, secret, partner), _)) = groups.get(g) else {
                    break;
                };
                let rule = rules.get(rule_id).expect("grouped findings have a rule");
                let outcome = verifier.check(rule, provider, secret, partner.as_deref());
                results
                    .lock()
                    .expect("no worker panics while holding the lock")
                    .push((g, outcome));
            });
        }
    });
    let results = results.into_inner().expect("every worker has finished");
    let count = |s: VerificationStatus| results.iter().filter(|(_, o)| o.status == s).count();
    eprintln!(
        "keyhound: verified {} distinct key{} ({} request{}): {} live, {} dead, {} unknown",
        groups.len(),
        if groups.len() == 1 { "" } else { "s" },
        verifier.requests(),
        if verifier.requests() == 1 { "" } else { "s" },
        count(VerificationStatus::Live),
        count(VerificationStatus::Dead),
        count(VerificationStatus::Unknown),
    );
    if verifier.capped() > 0 {
        eprintln!(
            "keyhound: --verify: the cap of {} requests was reached; {} more were not made and their keys are `unknown` ({CAP_REACHED}); raise it with --verify-max-requests N",
            options.max_requests,
            verifier.capped(),
        );
    }
    for (g, outcome) in results {
        for &i in &groups[g].1 {
            let f = &mut findings[i];
            if let Some(p) = &outcome.provider {
                f.provider = p.clone();
            }
            f.verification = Some(Verification {
                status: outcome.status.clone(),
                detail: outcome.detail.clone(),
                access: outcome.access.clone(),
            });
        }
    }
}

type CallKey = (String, String, String, Option<String>);
/// One endpoint's answer about one secret: status, detail and what a live key can do.
type Answer = (VerificationStatus, String, Option<Access>);

/// The client, the per-provider clocks of the rate limit and the answers already had.
pub struct Verifier<'o> {
    options: &'o VerifyOptions,
    client: http::Client,
    /// Next moment a request to each provider id may start.
    slots: Mutex<HashMap<String, Instant>>,
    /// Requests sent so far.
    sent: AtomicUsize,
    /// Requests not made because `max_requests` were sent already.
    capped: AtomicUsize,
    /// (provider id, URL template, secret, partner) -> answer; a cell is filled by one thread
    /// while the others wait, so one secret is never sent twice to the same endpoint.
    calls: Mutex<HashMap<CallKey, Arc<OnceLock<Answer>>>>,
}

impl<'o> Verifier<'o> {
    pub fn new(options: &'o VerifyOptions) -> Verifier<'o> {
        Verifier {
            options,
            client: http::Client::new(options.timeout, options.connect_timeout, options.body_cap),
            slots: Mutex::new(HashMap::new()),
            sent: AtomicUsize::new(0),
            capped: AtomicUsize::new(0),
            calls: Mutex::new(HashMap::new()),
        }
    }

    /// Requests sent so far.
    pub fn requests(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Requests not made because of the cap.
    pub fn capped(&self) -> usize {
        self.capped.load(Ordering::Relaxed)
    }

    /// Books one request under the cap; `false` when the cap is reached.
    fn take_request(&self) -> bool {
        let cap = self.options.max_requests;
        let booked = self
            .sent
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < cap).then_some(n + 1)
            })
            .is_ok();
        if !booked {
            self.capped.fetch_add(1, Ordering::Relaxed);
        }
        booked
    }

    /// Tries the candidates of `rule` for a finding attributed to `provider` (see
    /// [`Verifier::check_candidates`]).
    pub fn check(
        &self,
        rule: &Rule,
        provider: &str,
        secret: &str,
        partner: Option<&str>,
    ) -> Outcome {
        self.check_candidates(&candidates(rule, provider), secret, partner)
    }

    /// Asks `cands` in order; the first that answers live decides. Two rules keep a key from
    /// reaching a provider it may not belong to: a candidate is asked only when every one asked
    /// before it refused the key outright (`dead`), and when the operator redirected some of
    /// them with `--verify-endpoint`, the others are not asked at all (a run pointed at a test
    /// or an internal server does not mean to reach the real hosts). The result is `dead` only
    /// when every candidate was asked and said dead.
    fn check_candidates(
        &self,
        cands: &[Candidate<'_>],
        secret: &str,
        partner: Option<&str>,
    ) -> Outcome {
        let several = cands.len() > 1;
        let redirected: Vec<String> = cands
            .iter()
            .map(Candidate::id)
            .filter(|id| self.options.endpoints.contains_key(id))
            .collect();
        let mut notes = Vec::new();
        let mut all_dead = !cands.is_empty();
        // The provider whose answer was not a refusal: no later candidate is asked.
        let mut stopped_by: Option<&str> = None;
        for c in cands {
            let id = c.id();
            let skip = if let Some(p) = stopped_by {
                Some(format!(
                    "not asked, since {p} did not refuse the key (only a refusal lets it go to another provider)"
                ))
            } else if !redirected.is_empty() && !redirected.contains(&id) {
                Some(format!(
                    "not asked, since --verify-endpoint redirects {} but not {id} (add --verify-endpoint {id}=URL to ask it)",
                    redirected.join(", ")
                ))
            } else {
                None
            };
            if let Some(why) = skip {
                all_dead = false;
                notes.push(format!("{}: {why}", c.provider));
                continue;
            }
            let (status, detail, access) = self.call(c, secret, partner);
            // A last guard: details are scrubbed and escaped where they are made.
            let detail = text::escape_controls(&text::scrub(&detail, secret)).into_owned();
            if status == VerificationStatus::Live {
                return Outcome {
                    status,
                    detail: if several {
                        format!("{}: {detail}", c.provider)
                    } else {
                        detail
                    },
                    provider: several.then(|| c.provider.to_string()),
                    access,
                };
            }
            if status != VerificationStatus::Dead {
                all_dead = false;
                stopped_by = Some(c.provider);
            }
            notes.push(if several {
                format!("{}: {} ({detail})", c.provider, status.as_str())
            } else {
                detail
            });
        }
        Outcome {
            status: if all_dead {
                VerificationStatus::Dead
            } else {
                VerificationStatus::Unknown
            },
            detail: notes.join("; "),
            provider: None,
            access: None,
        }
    }

    fn call(&self, c: &Candidate<'_>, secret: &str, partner: Option<&str>) -> Answer {
        let id = c.id();
        if let Some(p) = &c.spec.partner {
            if partner.is_none() {
                return (
                    VerificationStatus::Unknown,
                    format!(
                        "not checked: the request needs the {} as well, and none was found within {} bytes of the secret",
                        p.name, p.window
                    ),
                    None,
                );
            }
        }
        let key = (
            id.clone(),
            c.spec.url.clone(),
            secret.to_string(),
            partner.map(str::to_string),
        );
        let cell = self
            .calls
            .lock()
            .expect("the call table lock is never poisoned")
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_init(|| {
            if !self.take_request() {
                return (VerificationStatus::Unknown, CAP_REACHED.to_string(), None);
            }
            self.wait_turn(&id);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let req = spec::build(
                c.spec,
                secret,
                partner,
                self.options.endpoints.get(&id),
                now,
            );
            let host = http::scheme_and_host(&req.url)
                .map(|(_, h)| h.to_string())
                .unwrap_or_default();
            match self.client.send(&req, secret) {
                Ok(resp) => {
                    let (status, detail) = spec::judge(c.spec, &resp, &host, secret);
                    // Read only from an answer that showed the key live: a refusal says nothing
                    // about what the key could do.
                    let access = match (&status, &c.spec.access) {
                        (VerificationStatus::Live, Some(a)) => {
                            let json: Option<serde_json::Value> =
                                serde_json::from_slice(&resp.body).ok();
                            access::read(a, &resp, json.as_ref(), secret)
                        }
                        _ => None,
                    };
                    (status, detail, access)
                }
                Err(e) => (
                    VerificationStatus::Unknown,
                    format!("{host}: {}", e.0),
                    None,
                ),
            }
        })
        .clone()
    }

    /// Sleeps until this provider's next slot, and books the one after it.
    fn wait_turn(&self, id: &str) {
        let now = Instant::now();
        let at = {
            let mut slots = self.slots.lock().expect("the slot lock is never poisoned");
            let at = slots.get(id).copied().unwrap_or(now).max(now);
            slots.insert(id.to_string(), at + self.options.min_interval);
            at
        };
        if at > now {
            std::thread::sleep(at - now);
        }
    }
}

/// `keyhound verify`: checks one secret with the verifiers of rule `rule_id`, or only with the
/// one of `provider` (a provider id such as `dashscope`) when given. Nothing is sent when the
/// rule is unknown, the secret does not have the rule's shape, or a partner the verifier needs
/// is missing or malformed. The provider in the answer is the one that answered live, else the
/// one asked, else the rule's.
pub fn check_one(
    options: &VerifyOptions,
    rules: &RuleSet,
    rule_id: &str,
    provider: Option<&str>,
    secret: &str,
    partner: Option<&str>,
) -> Result<(String, Outcome)> {
    let Some(rule) = rules.get(rule_id) else {
        bail!("unknown rule `{rule_id}`; `keyhound rules list` shows the rule ids");
    };
    let all = candidates(rule, &rule.spec.provider);
    if all.is_empty() {
        bail!("rule `{rule_id}` has no verifier; `keyhound rules list` shows which rules have one");
    }
    let cands = match provider {
        None => all,
        Some(p) => {
            let pinned: Vec<Candidate<'_>> = all.iter().copied().filter(|c| c.id() == p).collect();
            if pinned.is_empty() {
                let ids: Vec<String> = all.iter().map(Candidate::id).collect();
                bail!(
                    "--provider {p}: rule `{rule_id}` has no verifier for `{p}`; give one of: {}",
                    ids.join(", ")
                );
            }
            pinned
        }
    };
    if !rule.matches_value(secret) {
        bail!(
            "the key on standard input does not have the shape of a `{rule_id}` secret, so nothing was sent; check --rule (`keyhound rules explain {rule_id}` shows the pattern)"
        );
    }
    check_partner(rule_id, &cands, partner)?;
    let verifier = Verifier::new(options);
    let outcome = verifier.check_candidates(&cands, secret, partner);
    let provider = match (&outcome.provider, &cands[..]) {
        (Some(p), _) => p.clone(),
        (None, [only]) => only.provider.to_string(),
        (None, _) => rule.spec.provider.clone(),
    };
    Ok((provider, outcome))
}

/// A verifier that signs with a partner (AWS's access key ID) gets it from `--partner`, and
/// in the partner's shape.
fn check_partner(rule_id: &str, cands: &[Candidate<'_>], partner: Option<&str>) -> Result<()> {
    for p in cands.iter().filter_map(|c| c.spec.partner.as_ref()) {
        let Some(value) = partner else {
            bail!(
                "rule `{rule_id}` is checked together with the {}: pass it with --partner; nothing was sent",
                p.name
            );
        };
        let shape = regex::Regex::new(&format!("^(?:{})$", p.pattern));
        if !shape.is_ok_and(|re| re.is_match(value)) {
            bail!(
                "--partner: the value is not an {} (pattern `{}`); nothing was sent",
                p.name,
                p.pattern
            );
        }
    }
    Ok(())
}

/// Whether a rule can be verified at all (a trusted verifier of its own or an attribution's).
pub fn can_verify(rule: &Rule) -> bool {
    !candidates(rule, &rule.spec.provider).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_overrides() {
        let ok = [
            (
                "deepseek=http://127.0.0.1:8080",
                "deepseek",
                "http://127.0.0.1:8080",
            ),
            ("dashscope=http://[::1]:9/", "dashscope", "http://[::1]:9"),
            ("openai=http://localhost:1", "openai", "http://localhost:1"),
            (
                "github=https://ghe.example.com",
                "github",
                "https://ghe.example.com",
            ),
            (
                "google-ai=https://10.1.2.3:8443",
                "google-ai",
                "https://10.1.2.3:8443",
            ),
            (
                "github=https://ghe.example.com/api/v3/",
                "github",
                "https://ghe.example.com/api/v3",
            ),
        ];
        for (arg, provider, base) in ok {
            let (p, e) = parse_endpoint(arg).unwrap();
            assert_eq!((p.as_str(), e.base.as_str()), (provider, base), "{arg}");
        }
        let bad = [
            ("deepseek", "PROVIDER=URL"),
            ("deepseek=http://example.com", "loopback"),
            ("deepseek=http://10.0.0.1:80", "loopback"),
            ("deepseek=http://127.0.0.1.example.com", "loopback"),
            ("deepseek=ftp://127.0.0.1", "scheme"),
            ("deepseek=https://h/v1?x=1", "no query"),
            ("deepseek=https://h/v1#top", "no query"),
            ("deepseek=https://user@h", "not a URL"),
            ("DeepSeek=https://h", "lowercase"),
            ("=https://h", "lowercase"),
        ];
        for (arg, want) in bad {
            let err = parse_endpoint(arg).unwrap_err().to_string();
            assert!(err.contains(want), "{arg}: {err}");
        }
    }

    #[test]
    fn shared_shapes_try_every_attribution_and_decided_ones_only_theirs() {
        let rules = RuleSet::builtin().unwrap();
        let rule = rules.get("deepseek.api-key").unwrap();
        let names = |p: &str| -> Vec<String> {
            candidates(rule, p)
                .iter()
                .map(|c| c.spec.provider_id(c.rule_id))
                .collect()
        };
        assert_eq!(
            names("DeepSeek or DashScope"),
            vec!["deepseek", "dashscope"]
        );
        assert_eq!(names("DeepSeek"), vec!["deepseek"]);
        assert_eq!(names("Alibaba DashScope"), vec!["dashscope"]);
    }

    #[test]
    fn at_least_25_providers_have_verifiers() {
        let rules = RuleSet::builtin().unwrap();
        let ids = provider_ids(&rules);
        for want in [
            "deepseek",
            "openai",
            "anthropic",
            "google-ai",
            "groq",
            "xai",
            "huggingface",
            "openrouter",
            "perplexity",
            "mistral",
            "cohere",
            "dashscope",
            "github",
            "gitlab",
            "slack",
            "stripe",
            "sendgrid",
            "npm",
            "twilio",
            "aws",
            "telegram",
            "discord",
            "mailgun",
            "digitalocean",
            "cloudflare",
        ] {
            assert!(ids.iter().any(|i| i == want), "no verifier for {want}");
        }
        assert!(ids.len() >= 25, "{ids:?}");
    }
}
