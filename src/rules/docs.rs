//! `docs/rules.md`, generated from the rule data so that the user docs never drift from what
//! the binary does. A test compares the file with this output; `KEYHOUND_BLESS=1 cargo test`
//! rewrites it.

use std::fmt::Write;

use super::{Check, RuleSet};

/// The catalog as Markdown: one table row per rule, grouped by provider.
pub fn markdown(set: &RuleSet) -> String {
    let mut rules: Vec<_> = set.rules().iter().collect();
    rules.sort_by(|a, b| {
        (a.spec.provider.to_lowercase(), &a.spec.id)
            .cmp(&(b.spec.provider.to_lowercase(), &b.spec.id))
    });
    let mut out = String::new();
    let _ = writeln!(out, "# Rules\n");
    let _ = writeln!(
        out,
        "Generated from `rules/*.toml` by `src/rules/docs.rs`; do not edit by hand (`KEYHOUND_BLESS=1 cargo test --test it docs_rules` rewrites it).\n"
    );
    let _ = writeln!(
        out,
        "{} rules. `keyhound rules explain ID` prints everything about one.\n",
        rules.len()
    );
    let _ = writeln!(
        out,
        "| provider | id | finds | confidence | structure check | verifier |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for r in rules {
        let s = &r.spec;
        let checks: Vec<&str> = s
            .checks
            .iter()
            .map(|c| match c {
                Check::Base62Crc32 => "CRC32 checksum",
                Check::Jwt => "JWT decodes",
                Check::PemFraming => "PEM framing",
                Check::RandomValue => "random-looking value",
                Check::Password => "real password (not a stand-in)",
            })
            .collect();
        let context = if s.attribute.is_empty() {
            String::new()
        } else {
            " (provider decided by context)".to_string()
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {}{} | {} | {} | {} |",
            cell(&s.provider),
            s.id,
            cell(&s.name),
            context,
            s.confidence,
            if checks.is_empty() {
                "-".to_string()
            } else {
                checks.join(", ")
            },
            if s.verify.is_some() || s.attribute.iter().any(|a| a.verify.is_some()) {
                "yes"
            } else {
                "-"
            }
        );
    }
    out.push_str(&ai_providers_markdown(set));
    out
}

/// Rules for AI model and AI tooling providers: a rule id ending in `.` names all of a
/// provider's rules, any other entry one rule. A test checks that every entry still matches.
const AI_PROVIDER_RULES: &[&str] = &[
    "ai21.",
    "anthropic.",
    "anyscale.",
    "assemblyai.",
    "aws.bedrock-api-key",
    "aws.bedrock-short-term-api-key",
    "azure.openai-api-key",
    "azure.openai-api-key-by-endpoint",
    "baichuan.",
    "baidu.",
    "baseten.",
    "bfl.",
    "braintrust.",
    "cartesia.",
    "cerebras.",
    "chutes.",
    "clarifai.",
    "cloudflare.account-api-token",
    "cloudflare.user-api-token",
    "cohere.",
    "comet.",
    "coze.",
    "dashscope.",
    "deepgram.",
    "deepinfra.",
    "deepl.",
    "deepseek.",
    "elevenlabs.",
    "exa.",
    "fal.",
    "featherless.",
    "firecrawl.",
    "fireworks.",
    "friendli.",
    "google-ai.",
    "groq.",
    "helicone.",
    "huggingface.",
    "humanloop.",
    "hume.",
    "hyperbolic.",
    "iflytek.",
    "jina.",
    "lambda-cloud.",
    "langfuse.",
    "langsmith.",
    "llamaindex.",
    "luma.",
    "minimax.",
    "mistral.",
    "mixedbread.",
    "modal.",
    "moonshot.",
    "nebius.",
    "novita.",
    "nvidia.",
    "openai.",
    "openpipe.",
    "openrouter.",
    "perplexity.",
    "predibase.",
    "replicate.",
    "runpod.",
    "runway.",
    "sambanova.",
    "siliconflow.",
    "stability.",
    "stepfun.",
    "tavily.",
    "tencent-cloud.hunyuan-api-key",
    "together.",
    "twelvelabs.",
    "upstage.",
    "voyage.",
    "volcengine.ark-api-key",
    "wandb.",
    "writer.",
    "xai.",
    "zeroone.",
    "zhipu.",
];

fn is_ai_provider_rule(id: &str) -> bool {
    AI_PROVIDER_RULES.iter().any(|e| {
        if e.ends_with('.') {
            id.starts_with(e)
        } else {
            id == *e
        }
    })
}

/// The key shape a rule's description gives: its first top-level parentheses that read like a
/// shape ("An X key (`sk-` and 32 hex characters). ..."), not an aside ("(Claude)"), or `-`.
fn key_shape(description: &str) -> String {
    const SHAPE_WORDS: [&str; 10] = [
        "`",
        "hex",
        "letters",
        "digits",
        "characters",
        "UUID",
        "JWT",
        "base64",
        "prefix",
        "JSON",
    ];
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in description.char_indices() {
        match c {
            '(' => {
                if depth == 0 {
                    start = i + 1;
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                let group = &description[start..i];
                if depth == 0 && SHAPE_WORDS.iter().any(|w| group.contains(w)) {
                    return group.to_string();
                }
            }
            _ => {}
        }
    }
    "-".to_string()
}

/// The "AI providers" section of `docs/rules.md`: one row per rule of an AI provider.
fn ai_providers_markdown(set: &RuleSet) -> String {
    let mut rules: Vec<_> = set
        .rules()
        .iter()
        .filter(|r| is_ai_provider_rule(&r.spec.id))
        .collect();
    rules.sort_by(|a, b| {
        (a.spec.provider.to_lowercase(), &a.spec.id)
            .cmp(&(b.spec.provider.to_lowercase(), &b.spec.id))
    });
    let providers: std::collections::BTreeSet<String> = rules
        .iter()
        .map(|r| r.spec.provider.to_lowercase())
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "\n## AI providers\n");
    let _ = writeln!(
        out,
        "{} rules for {} AI model and tooling providers. A key with no prefix of its own is found only next to the provider's name, variable or endpoint, at medium confidence.\n",
        rules.len(),
        providers.len()
    );
    let _ = writeln!(out, "| provider | key shape | rule id | verifiable |");
    let _ = writeln!(out, "|---|---|---|---|");
    for r in rules {
        let s = &r.spec;
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} |",
            cell(&s.provider),
            cell(&key_shape(r.description())),
            s.id,
            if s.verify.is_some() || s.attribute.iter().any(|a| a.verify.is_some()) {
                "yes"
            } else {
                "-"
            }
        );
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// `docs/verifiers.md`: every verifier a built-in rule carries, what it sends and how the
/// answer is read, one row per provider and request (rules that share one are listed together).
pub fn verifiers_markdown(set: &RuleSet) -> String {
    use std::collections::BTreeMap;
    // (provider id, provider, method, url, dead) -> (rule ids, spec): rules share a row when
    // they send the same request and read it the same way.
    type Row<'s> = (Vec<&'s str>, &'s super::VerifySpec);
    let mut rows: BTreeMap<(String, String, String, String, Vec<u16>), Row<'_>> = BTreeMap::new();
    for r in set.rules() {
        let s = &r.spec;
        let specs = s.verify.iter().map(|v| (s.provider.as_str(), v)).chain(
            s.attribute
                .iter()
                .filter_map(|a| a.verify.as_ref().map(|v| (a.provider.as_str(), v))),
        );
        for (provider, v) in specs {
            let key = (
                v.provider_id(&s.id),
                provider.to_string(),
                v.method.clone(),
                v.url.clone(),
                v.dead.clone(),
            );
            rows.entry(key).or_insert((Vec::new(), v)).0.push(&s.id);
        }
    }
    let mut ids: Vec<&str> = rows.keys().map(|k| k.0.as_str()).collect();
    ids.dedup();
    let mut out = String::new();
    let _ = writeln!(out, "# Verifiers\n");
    let _ = writeln!(
        out,
        "Generated from `rules/*.toml` by `src/rules/docs.rs`; do not edit by hand (`KEYHOUND_BLESS=1 cargo test --test it docs_verifiers` rewrites it). How verification works: [verification.md](verification.md).\n"
    );
    let _ = writeln!(
        out,
        "{} providers (ids for `--verify-endpoint`), {} requests. A status in neither the live nor the dead list, a redirect, a timeout or a network error is `unknown`, and so is a live status whose body is not the JSON the API answers (XML where the live column says so; any body where it says so). tests/it/verifiers.rs checks every row against recorded answers.\n",
        ids.len(),
        rows.len()
    );
    let with_access = rows.values().filter(|(_, v)| v.access.is_some()).count();
    let _ = writeln!(
        out,
        "{with_access} of the requests also say what a live key can do (`verification.access`, the column access; how it is read: [rule-format.md](rule-format.md#what-a-live-key-can-do)).\n"
    );
    let _ = writeln!(
        out,
        "| id | provider | request | live | dead | detail shown | access | rules |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for ((id, provider, method, url, _), (rules, v)) in &rows {
        let mut request = format!("`{method} {url}`");
        let auth: Vec<String> = v
            .headers
            .iter()
            .filter(|(_, val)| val.contains("{secret}") || val.contains("{partner}"))
            .map(|(k, val)| format!("`{k}: {val}`"))
            .collect();
        if !auth.is_empty() {
            request.push_str(&format!(" with {}", auth.join(", ")));
        }
        if let Some([u, p]) = &v.basic_auth {
            request.push_str(&format!(" with Basic `{u}:{p}`"));
        }
        if let Some(signer) = &v.signer {
            request.push_str(&format!(", signed `{signer}`"));
        }
        if let Some(p) = &v.partner {
            request.push_str(&format!(", with the {} found near the secret", p.name));
        }
        let mut live = format!("{:?}", v.live);
        match v.answer_kind() {
            super::AnswerKind::Json => {}
            super::AnswerKind::Xml => live.push_str(" with an XML body"),
            super::AnswerKind::Any => live.push_str(" with any body"),
        }
        if !v.live_if.is_empty() {
            let conds: Vec<String> = v
                .live_if
                .iter()
                .map(|(k, x)| format!("`{k}={x}`"))
                .collect();
            live.push_str(&format!(" and {}", conds.join(", ")));
        }
        let conds: Vec<String> = v
            .dead_if
            .iter()
            .map(|(k, x)| format!("`{k}` in {x}"))
            .collect();
        let dead = match (v.dead.is_empty(), conds.is_empty()) {
            (true, true) => "- (no answer is conclusive)".to_string(),
            (true, false) => format!("when {}", conds.join(", ")),
            (false, true) => format!("{:?}", v.dead),
            (false, false) => format!("{:?}, or when {}", v.dead, conds.join(", ")),
        };
        let mut detail: Vec<String> = v.detail_json.iter().map(|d| format!("`{d}`")).collect();
        detail.extend(v.detail_xml.iter().map(|d| format!("`<{d}>`")));
        detail.extend(v.detail_headers.iter().map(|d| format!("header `{d}`")));
        let detail = if detail.is_empty() {
            "status".to_string()
        } else {
            format!("status, {}", detail.join(", "))
        };
        let access = v
            .access
            .as_ref()
            .map_or_else(|| "-".to_string(), access_cell);
        let _ = writeln!(
            out,
            "| `{id}` | {} | {} | {} | {} | {} | {} | {} |",
            cell(provider),
            cell(&request),
            cell(&live),
            cell(&dead),
            cell(&detail),
            cell(&access),
            rules
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

/// What an access spec reads, in a few words: `identity, scopes (admin: `api`, `sudo`),
/// expiry, details: `currency``.
fn access_cell(a: &super::AccessSpec) -> String {
    let mut parts = Vec::new();
    if !a.identity.is_empty() {
        parts.push("identity".to_string());
    }
    if !a.scopes.is_empty() {
        let admin: Vec<String> = a.admin_scopes.iter().map(|s| format!("`{s}`")).collect();
        parts.push(if admin.is_empty() {
            "scopes".to_string()
        } else {
            format!("scopes (admin: {})", admin.join(", "))
        });
    }
    if let Some(admin) = a.admin {
        parts.push(format!("admin: {admin}"));
    }
    if !a.admin_if.is_empty() {
        let flags: Vec<String> = a
            .admin_if
            .iter()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect();
        parts.push(format!("admin when {}", flags.join(" or ")));
    }
    if !a.expires.is_empty() {
        parts.push("expiry".to_string());
    }
    if !a.details.is_empty() {
        let names: Vec<String> = a.details.keys().map(|k| format!("`{k}`")).collect();
        parts.push(format!("details: {}", names.join(", ")));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shape_reads_the_first_parentheses() {
        for (description, want) in [
            ("A key (`sk-` and 32 hex). More (text).", "`sk-` and 32 hex"),
            ("A key (a UUID (or two)) here.", "a UUID (or two)"),
            (
                "An Anthropic key (Claude) for the API (`sk-ant-api03-`).",
                "`sk-ant-api03-`",
            ),
            ("No shape given (an aside).", "-"),
            ("Unclosed (hex shape", "-"),
        ] {
            assert_eq!(key_shape(description), want, "{description}");
        }
    }

    #[test]
    fn every_ai_provider_entry_names_a_builtin_rule() {
        let set = RuleSet::builtin().expect("built-in rules load");
        for entry in AI_PROVIDER_RULES {
            assert!(
                set.rules().iter().any(|r| if entry.ends_with('.') {
                    r.spec.id.starts_with(entry)
                } else {
                    r.spec.id == *entry
                }),
                "{entry} names no built-in rule"
            );
        }
    }
}
