//! Every verifier of every built-in rule against recorded answers (issue 19): one loopback
//! server plays each provider through a series of scenarios, and each verdict and each request
//! is checked. Nothing here names a provider: a verifier added to a rule file is covered the
//! moment it exists.
//!
//! For each verifier (a rule's `[rule.verify]` or an attribution's), with the secret and partner
//! taken from the rule's own examples:
//! - live: the spec's live status and body (its documented `sample`, else a body made from the
//!   fields it reads) is `live`, with the detail fields and `access` it declares;
//! - dead: each of its dead statuses, and each `dead_if` answer, is `dead`;
//! - unknown: 401 and 403 unless declared, 429, 500, 502, 503, no answer before the timeout, a
//!   live status with an HTML page, a body cut short or an empty body (unless `answer = "any"`),
//!   and a 302 redirect (never followed);
//! - the request: sent once, to the verifier's path, with the method, headers, Basic
//!   credentials and body its spec declares, the secret among them.
//!
//! The scenarios run in-process through `keyhound::verify::check_one` (what `keyhound verify
//! --provider` runs), many at once, against one server that tells them apart by a path prefix
//! in the endpoint override. A second test runs the real binary once over an example of every
//! verified rule, every provider redirected to loopback and every proxy variable pointed at a proxy
//! that refuses: all findings are live and no other host is contacted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keyhound::detect::expand_checksums;
use keyhound::finding::VerificationStatus;
use keyhound::rules::{AnswerKind, Rule, RuleSet, VerifySpec};
use keyhound::verify::{Endpoint, Outcome, Verifier, VerifyOptions};
use serde_json::{json, Value};

use crate::util::{findings, keyhound, path_str, tree, Hit, Reply, Server};

/// Verifiers the harness cannot drive, with the reason. Empty: every verifier gets its secret
/// (and partner) from its rule's examples.
const EXCEPTIONS: &[(&str, &str)] = &[];

/// One verifier: the rule, the provider id, its spec, and a secret (and partner) of its shape.
struct Case<'r> {
    rule: &'r Rule,
    /// The provider the verifier speaks for (the rule's, or an attribution's).
    provider: &'r str,
    id: String,
    spec: &'r VerifySpec,
    secret: String,
    partner: Option<String>,
    /// The example (checksums filled in) the secret comes from.
    example: String,
}

impl Case<'_> {
    fn name(&self) -> String {
        format!("{} ({})", self.rule.spec.id, self.id)
    }
}

/// Every verifier of every built-in rule, and the ones no example gave a secret for.
fn cases(rules: &RuleSet) -> (Vec<Case<'_>>, Vec<String>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for rule in rules.rules() {
        let s = &rule.spec;
        let specs = s.verify.iter().map(|v| (s.provider.as_str(), v)).chain(
            s.attribute
                .iter()
                .filter_map(|a| Some((a.provider.as_str(), a.verify.as_ref()?))),
        );
        for (provider, spec) in specs {
            let id = spec.provider_id(&s.id);
            if EXCEPTIONS.iter().any(|(r, _)| *r == s.id) {
                continue;
            }
            match secret_from_examples(rule, spec) {
                Some((secret, partner, example)) => out.push(Case {
                    rule,
                    provider,
                    id,
                    spec,
                    secret,
                    partner,
                    example,
                }),
                None => missing.push(format!(
                    "{} ({id}): no example gives a secret of the rule's shape{}",
                    s.id,
                    if spec.partner.is_some() {
                        " with its partner nearby"
                    } else {
                        ""
                    }
                )),
            }
        }
    }
    (out, missing)
}

/// The secret of the first example that holds one (decoded as the rule decodes it), and the
/// partner the verifier needs, found next to it as a scan finds it.
fn secret_from_examples(
    rule: &Rule,
    spec: &VerifySpec,
) -> Option<(String, Option<String>, String)> {
    let re = rule.regex()?;
    let group = rule.secret_group();
    for example in &rule.spec.examples {
        let example = expand_checksums(example);
        let hay = example.as_bytes();
        for caps in re.captures_iter(hay) {
            let Some(m) = caps.get(group) else { continue };
            let raw = match rule.spec.decode {
                Some(d) => d.decode(m.as_bytes())?,
                None => m.as_bytes().to_vec(),
            };
            let Ok(secret) = String::from_utf8(raw) else {
                continue;
            };
            if !rule.matches_value(&secret) {
                continue;
            }
            let partner = match &spec.partner {
                None => None,
                Some(_) => match rule.find_partner(hay, m.start(), m.end()) {
                    Some((a, b)) => Some(String::from_utf8_lossy(&hay[a..b]).into_owned()),
                    None => continue,
                },
            };
            return Some((secret, partner, example.clone()));
        }
    }
    None
}

/// What the server answers in one scenario.
#[derive(Clone)]
enum Answer {
    Send(u16, Vec<(String, String)>, Vec<u8>),
    Hang,
}

/// One scenario: its name, the answer and the verdict it must get.
struct Scenario {
    name: String,
    answer: Answer,
    want: VerificationStatus,
}

const ERROR_BODY: &str =
    r#"{"error":{"message":"synthetic error","type":"invalid_request_error"}}"#;
const PORTAL: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in to the guest Wi-Fi to continue.</body></html>";

/// The scenarios of one verifier.
fn scenarios(case: &Case<'_>) -> Vec<Scenario> {
    let spec = case.spec;
    let live_status = spec.live[0];
    let (live_headers, live_body) = live_answer(spec);
    let json_headers = || vec![("Content-Type".to_string(), "application/json".to_string())];
    let mut out = vec![Scenario {
        name: "live".into(),
        answer: Answer::Send(live_status, live_headers.clone(), live_body.clone()),
        want: VerificationStatus::Live,
    }];
    let mut statuses: Vec<u16> = spec.dead.clone();
    for s in [401, 403, 429, 500, 502, 503] {
        if !statuses.contains(&s) {
            statuses.push(s);
        }
    }
    for s in statuses {
        let (answer, want) = if spec.dead.contains(&s) {
            let a = Answer::Send(s, json_headers(), ERROR_BODY.into());
            (a, VerificationStatus::Dead)
        } else if spec.live.contains(&s) {
            let a = Answer::Send(s, live_headers.clone(), live_body.clone());
            (a, VerificationStatus::Live)
        } else {
            let a = Answer::Send(s, json_headers(), ERROR_BODY.into());
            (a, VerificationStatus::Unknown)
        };
        out.push(Scenario {
            name: format!("status {s}"),
            answer,
            want,
        });
    }
    for (path, values) in &spec.dead_if {
        let value = match values {
            Value::Array(options) => options[0].clone(),
            v => v.clone(),
        };
        let mut body = json!({});
        put(&mut body, path, value.clone());
        out.push(Scenario {
            name: format!("{live_status} with {path}={value}"),
            answer: Answer::Send(live_status, json_headers(), body.to_string().into_bytes()),
            want: VerificationStatus::Dead,
        });
    }
    out.push(Scenario {
        name: "no answer (timeout)".into(),
        answer: Answer::Hang,
        want: VerificationStatus::Unknown,
    });
    let garbled = if spec.answer_kind() == AnswerKind::Any {
        VerificationStatus::Live
    } else {
        VerificationStatus::Unknown
    };
    let cut = live_body[..live_body.len() / 2].to_vec();
    for (name, ctype, body) in [
        ("an HTML page", "text/html", PORTAL.as_bytes().to_vec()),
        ("a body cut short", "application/json", cut),
        ("an empty body", "application/json", Vec::new()),
    ] {
        out.push(Scenario {
            name: format!("{live_status} with {name}"),
            answer: Answer::Send(
                live_status,
                vec![("Content-Type".into(), ctype.into())],
                body,
            ),
            want: garbled.clone(),
        });
    }
    out.push(Scenario {
        name: "302 redirect".into(),
        // Filled in with the scenario's own prefix when served (see `serve`).
        answer: Answer::Send(302, vec![("Location".into(), String::new())], Vec::new()),
        want: VerificationStatus::Unknown,
    });
    out
}

/// Placeholder values of a made-up live answer.
const EXPIRY: &str = "2031-01-02T03:04:05Z";

fn sample_value(source_name: &str) -> String {
    format!("sample-{}", source_name.replace(['.', '[', ']'], "-"))
}

/// The headers and body of a live answer: the spec's documented `sample`, else a body made of
/// the fields it reads; headers for the headers it reads.
fn live_answer(spec: &VerifySpec) -> (Vec<(String, String)>, Vec<u8>) {
    let kind = spec.answer_kind();
    let access = spec.access.as_ref();
    let expires: Vec<&str> = access.map_or(Vec::new(), |a| {
        a.expires.iter().map(String::as_str).collect()
    });
    let mut headers = vec![(
        "Content-Type".to_string(),
        match kind {
            AnswerKind::Xml => "text/xml",
            _ => "application/json",
        }
        .to_string(),
    )];
    let header_sources = spec.detail_headers.iter().map(String::as_str).chain(
        spec.access_sources()
            .filter_map(|s| s.strip_prefix("header:")),
    );
    for name in header_sources {
        if headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
            continue;
        }
        let value = if expires.contains(&format!("header:{name}").as_str()) {
            EXPIRY.to_string()
        } else {
            sample_value(name)
        };
        headers.push((name.to_string(), value));
    }
    if let Some(sample) = &spec.sample {
        return (headers, sample.clone().into_bytes());
    }
    let body = match kind {
        AnswerKind::Xml => {
            let mut xml = String::from("<?xml version=\"1.0\"?>\n<Response><Result>");
            let tags = spec
                .detail_xml
                .iter()
                .map(String::as_str)
                .chain(spec.access_sources().filter_map(|s| s.strip_prefix("xml:")));
            for tag in tags {
                xml.push_str(&format!("<{tag}>{}</{tag}>", sample_value(tag)));
            }
            xml.push_str("</Result></Response>");
            xml
        }
        AnswerKind::Json | AnswerKind::Any => {
            let mut body = json!({});
            for (path, want) in &spec.live_if {
                let v = match want {
                    Value::Array(options) => options[0].clone(),
                    v => v.clone(),
                };
                put(&mut body, path, v);
            }
            let paths = spec.detail_json.iter().map(|p| (p.as_str(), false)).chain(
                spec.access_sources().filter_map(|s| {
                    let p = s.strip_prefix("json:")?;
                    Some((p, expires.contains(&s)))
                }),
            );
            for (path, is_expiry) in paths {
                let v = if is_expiry {
                    json!(EXPIRY)
                } else {
                    json!(sample_value(path))
                };
                put(&mut body, path, v);
            }
            body.to_string()
        }
    };
    (headers, body.into_bytes())
}

/// Sets the dotted `path` (`a.b`, `list[].name`) of `root` to `leaf`, unless it holds a value.
fn put(root: &mut Value, path: &str, leaf: Value) {
    let segs: Vec<&str> = path.split('.').collect();
    let mut cur = root;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let (name, each) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (*seg, false),
        };
        let next = || if last { leaf.clone() } else { json!({}) };
        if !name.is_empty() {
            if !cur.is_object() {
                *cur = json!({});
            }
            let obj = cur.as_object_mut().expect("made an object above");
            let fresh = if each { json!([]) } else { next() };
            cur = obj.entry(name.to_string()).or_insert(fresh);
        }
        if each {
            if !cur.is_array() {
                *cur = json!([]);
            }
            let items = cur.as_array_mut().expect("made an array above");
            if items.is_empty() {
                items.push(next());
            }
            cur = &mut items[0];
        }
    }
}

/// Values at a dotted path of `json` (as the verifier reads them).
fn lookup<'v>(json: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![json];
    for seg in path.split('.') {
        let (name, each) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for v in current {
            let child = if name.is_empty() {
                Some(v)
            } else {
                v.get(name)
            };
            match (each, child) {
                (true, Some(Value::Array(items))) => next.extend(items.iter()),
                (false, Some(c)) => next.push(c),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// RFC 3986 unreserved characters stay, everything else is percent-encoded (as the verifier
/// puts a secret into a URL).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn fill(template: &str, case: &Case<'_>) -> String {
    template
        .replace("{partner}", case.partner.as_deref().unwrap_or(""))
        .replace("{secret}", &case.secret)
}

/// The path and query the verifier's URL asks for, placeholders filled in.
fn expected_path(case: &Case<'_>) -> String {
    let url = case
        .spec
        .url
        .replace(
            "{partner}",
            &percent_encode(case.partner.as_deref().unwrap_or("")),
        )
        .replace("{secret}", &percent_encode(&case.secret));
    let rest = &url["https://".len()..];
    match rest.find(['/', '?']) {
        Some(i) => rest[i..].to_string(),
        None => String::new(),
    }
}

/// What is wrong with the request the server saw for `case`, if anything.
fn check_request(case: &Case<'_>, prefix: &str, hit: &Hit) -> Vec<String> {
    let spec = case.spec;
    let mut wrong = Vec::new();
    if hit.method != spec.method {
        wrong.push(format!("method {} instead of {}", hit.method, spec.method));
    }
    let want_path = format!("/{prefix}{}", expected_path(case));
    if hit.path != want_path {
        wrong.push(format!("path {:?} instead of {want_path:?}", hit.path));
    }
    for (name, template) in &spec.headers {
        let want = fill(template, case);
        if hit.header(&name.to_ascii_lowercase()) != Some(want.as_str()) {
            wrong.push(format!(
                "header {name}: {:?} instead of the declared value",
                hit.header(&name.to_ascii_lowercase())
            ));
        }
    }
    if let Some([u, p]) = &spec.basic_auth {
        if hit.basic() != Some((fill(u, case), fill(p, case))) {
            wrong.push("Basic credentials are not the declared ones".into());
        }
    }
    if let Some(body) = &spec.body {
        if hit.body != fill(body, case) {
            wrong.push(format!("body {:?} is not the declared one", hit.body));
        }
    }
    if spec.signer.as_deref() == Some("aws-sigv4") {
        let auth = hit.header("authorization").unwrap_or("");
        let want = format!(
            "AWS4-HMAC-SHA256 Credential={}/",
            case.partner.as_deref().unwrap_or("")
        );
        if !auth.starts_with(&want) || auth.contains(&case.secret) {
            wrong.push(format!("not signed with the partner: {auth:?}"));
        }
    } else {
        let encoded = percent_encode(&case.secret);
        let in_basic = hit
            .basic()
            .is_some_and(|(u, p)| u.contains(&case.secret) || p.contains(&case.secret));
        let sent = hit.path.contains(&encoded)
            || hit.body.contains(&case.secret)
            || hit.headers.iter().any(|(_, v)| v.contains(&case.secret))
            || in_basic;
        if !sent {
            wrong.push("the secret is nowhere in the request".into());
        }
    }
    wrong
}

/// What is wrong with a live outcome: a detail field or the access the spec reads is missing.
fn check_live(case: &Case<'_>, body: &[u8], outcome: &Outcome) -> Vec<String> {
    let mut wrong = Vec::new();
    let spec = case.spec;
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        for path in &spec.detail_json {
            if !lookup(&json, path).is_empty() && !outcome.detail.contains(&format!("{path}=")) {
                wrong.push(format!("detail lacks {path}: {}", outcome.detail));
            }
        }
    }
    for name in spec.detail_headers.iter().chain(&spec.detail_xml) {
        if !outcome.detail.contains(&format!("{name}=")) {
            wrong.push(format!("detail lacks {name}: {}", outcome.detail));
        }
    }
    if spec.access.is_some() && outcome.access.is_none() {
        wrong.push("the answer shows no access, though the verifier reads it".into());
    }
    if outcome.detail.contains(&case.secret) {
        wrong.push("the detail holds the secret".into());
    }
    wrong
}

/// Runs `f` over `jobs` on `threads` threads.
fn parallel<T: Sync>(jobs: &[T], threads: usize, f: impl Fn(&T) + Sync + Copy) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                f(job);
            });
        }
    });
}

/// The server's answer to a request whose first path segment is `prefix`.
fn serve(table: &BTreeMap<String, Answer>, hit: &Hit) -> Reply {
    let prefix = hit.path.split(['/', '?']).nth(1).unwrap_or("");
    match table.get(prefix) {
        Some(Answer::Hang) => Reply::Hang,
        Some(Answer::Send(302, _, _)) => Reply::Owned(
            302,
            vec![("Location".into(), format!("/{prefix}-followed/"))],
            Vec::new(),
        ),
        Some(Answer::Send(status, headers, body)) => {
            Reply::Owned(*status, headers.clone(), body.clone())
        }
        None => Reply::Owned(404, Vec::new(), b"{}".to_vec()),
    }
}

#[test]
fn every_verifier_reads_recorded_answers_right_and_sends_what_it_declares() {
    let started = Instant::now();
    let rules = RuleSet::builtin().expect("the built-in rules load");
    // Every problem is collected and reported together at the end: a verifier without a
    // usable example does not hide the scenarios of the others.
    let (cases, missing) = cases(&rules);
    let mut providers: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    providers.sort();
    providers.dedup();

    // (case, scenario) with the prefix that routes it: `v12-3`.
    let plans: Vec<Vec<Scenario>> = cases.iter().map(scenarios).collect();
    let mut table = BTreeMap::new();
    let mut jobs = Vec::new();
    for (c, list) in plans.iter().enumerate() {
        for (s, scenario) in list.iter().enumerate() {
            let prefix = format!("v{c}-{s}");
            table.insert(prefix.clone(), scenario.answer.clone());
            jobs.push((c, s, prefix));
        }
    }
    let table = Arc::new(table);
    let served = table.clone();
    let server = Server::start(move |hit| serve(&served, hit));
    let failures = Mutex::new(Vec::new());
    let run = |(c, s, prefix): &(usize, usize, String)| {
        let case = &cases[*c];
        let scenario = &plans[*c][*s];
        let hang = matches!(scenario.answer, Answer::Hang);
        // A server that never answers is given up on after 3 s: long enough for the server's
        // thread to have read (and recorded) the request on a loaded machine. Every other
        // answer comes at once; its generous timeout only guards against a loaded machine.
        let options = VerifyOptions {
            timeout: if hang {
                Duration::from_secs(3)
            } else {
                Duration::from_secs(20)
            },
            endpoints: BTreeMap::from([(
                case.id.clone(),
                Endpoint {
                    base: format!("{}/{prefix}", server.url()),
                },
            )]),
            min_interval: Duration::ZERO,
            ..VerifyOptions::default()
        };
        // As a finding attributed to the verifier's provider is checked (`keyhound verify
        // --provider` runs the same, after it has checked the secret's shape, which
        // `cases` did).
        let outcome = Verifier::new(&options).check(
            case.rule,
            case.provider,
            &case.secret,
            case.partner.as_deref(),
        );
        let mut wrong = Vec::new();
        if outcome.status != scenario.want {
            wrong.push(format!(
                "{} instead of {} ({})",
                outcome.status.as_str(),
                scenario.want.as_str(),
                outcome.detail
            ));
        }
        if let (VerificationStatus::Live, Answer::Send(_, _, body)) =
            (&outcome.status, &scenario.answer)
        {
            wrong.extend(check_live(case, body, &outcome));
        }
        let followed = format!("{prefix}-followed");
        let hits: Vec<Hit> = server.hits_where(|h| {
            let first = h.path.split(['/', '?']).nth(1).unwrap_or("");
            first == prefix || first == followed
        });
        match &hits[..] {
            [hit] => wrong.extend(check_request(case, prefix, hit)),
            _ => wrong.push(format!(
                "{} requests instead of one: {:?}",
                hits.len(),
                hits.iter().map(|h| &h.path).collect::<Vec<_>>()
            )),
        }
        if !wrong.is_empty() {
            failures.lock().unwrap().push(format!(
                "{} / {}: {}",
                case.name(),
                scenario.name,
                wrong.join("; ")
            ));
        }
    };
    // The timeouts wait without working: all of them at once, then the rest on a few threads.
    let (hangs, rest): (Vec<_>, Vec<_>) = jobs
        .iter()
        .cloned()
        .partition(|(c, s, _)| matches!(plans[*c][*s].answer, Answer::Hang));
    parallel(&hangs, hangs.len().clamp(1, 256), run);
    parallel(&rest, 16, run);
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    let scenarios_run = jobs.len();
    failures.splice(0..0, missing);
    // A floor, so that verifiers lost in a rule file's edit do not go unnoticed.
    if providers.len() < 90 {
        failures.push(format!(
            "only {} providers have a verifier",
            providers.len()
        ));
    }
    eprintln!(
        "verifier harness: {} verifiers of {} providers, {} scenarios, {:.1}s",
        cases.len(),
        providers.len(),
        jobs.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} problems ({} scenarios run):\n{}",
        failures.len(),
        scenarios_run,
        failures.join("\n")
    );
}

/// The real binary, once, over an example of every verified rule: each finding of the rule
/// is live against loopback, and the proxy that every proxy variable names sees no tunnel (no
/// other host is contacted).
#[test]
fn every_verifier_through_the_binary_asks_only_its_endpoint() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let (cases, missing) = cases(&rules);
    // provider id -> (path, headers, body) of each of its verifiers' live answers.
    let mut answers: BTreeMap<String, Vec<(String, Answer)>> = BTreeMap::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut wanted: Vec<(String, String)> = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let (headers, body) = live_answer(case.spec);
        let path = expected_path(case);
        let path = path.split('?').next().unwrap_or("").to_string();
        answers
            .entry(case.id.clone())
            .or_default()
            .push((path, Answer::Send(case.spec.live[0], headers, body)));
        let rule = &case.rule.spec;
        if wanted.iter().any(|(r, _)| r == &rule.id) {
            continue;
        }
        let name = match &rule.example_path {
            Some(p) => format!("r{i}/{p}"),
            None => format!("r{i}/keys.txt"),
        };
        files.push((name.clone(), case.example.clone().into_bytes()));
        wanted.push((rule.id.clone(), name));
    }
    let answers = Arc::new(answers);
    let served = answers.clone();
    let server = Server::start(move |hit| {
        let mut segs = hit.path.splitn(3, '/').skip(1);
        let id = segs.next().unwrap_or("");
        let rest = format!("/{}", segs.next().unwrap_or(""));
        let rest = rest.split('?').next().unwrap_or("");
        let Some(list) = served.get(id) else {
            return Reply::Owned(404, Vec::new(), Vec::new());
        };
        let pick = list.iter().find(|(p, _)| p == rest).unwrap_or(&list[0]);
        match &pick.1 {
            Answer::Send(status, headers, body) => {
                Reply::Owned(*status, headers.clone(), body.clone())
            }
            Answer::Hang => Reply::Hang,
        }
    });
    let proxy = Server::start(|_| Reply::Send(403, vec![], String::new()));
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let dir = tree(&entries);
    let mut cmd = keyhound();
    cmd.args([
        "scan",
        "--format",
        "json",
        "--no-progress",
        "--verify",
        "--verify-max-requests",
        "5000",
        "--verify-rate",
        "100",
        "--verify-concurrency",
        "16",
    ]);
    for id in answers.keys() {
        cmd.arg("--verify-endpoint")
            .arg(format!("{id}={}/{id}", server.url()));
    }
    cmd.arg(path_str(dir.path()));
    crate::util::through(&mut cmd, &proxy);
    let out = cmd.output().expect("keyhound runs");
    let mut report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    crate::util::relative_to_root(&mut report, &[path_str(dir.path())]);
    let tunnels: Vec<String> = proxy.hits().iter().map(|h| h.path.clone()).collect();
    assert!(
        tunnels.is_empty(),
        "other hosts were contacted: {tunnels:?}"
    );
    // A verifier no example drives is reported here too, with every other problem.
    let mut wrong = missing;
    for (rule, path) in &wanted {
        // Another rule of the same provider may report the secret instead (the more specific
        // of two overlapping rules wins); whichever does, its verification must be live.
        let verdicts: Vec<String> = findings(&report)
            .iter()
            .filter(|f| f["path"] == path.as_str() && !f["verification"].is_null())
            .map(|f| {
                format!(
                    "{} by {} ({})",
                    f["verification"]["status"].as_str().unwrap_or("none"),
                    f["rule"].as_str().unwrap_or(""),
                    f["verification"]["detail"].as_str().unwrap_or("")
                )
            })
            .collect();
        if verdicts.is_empty() || verdicts.iter().any(|v| !v.starts_with("live")) {
            wrong.push(format!("{rule} in {path}: {verdicts:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} problems:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
