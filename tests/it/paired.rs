//! Paired secrets (a rule's `pair`): a secret of a generic shape (an AWS secret access key, a
//! Twilio Auth Token) is reported under its provider, at high confidence, where its partner
//! identifier is a few lines away, whatever the variables are called; the finding names the
//! partner's line, and verification sends the pair.

use crate::util::{findings, path_str, scan, scan_json, tree};
use crate::verify::{Reply, Server};

/// Synthetic values made up here.
const AWS_ID: &str = "AKIA2QVHB7MTXE4NWL5D";
const AWS_SECRET: &str = "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";
const TWILIO_SID: &str = "AC5d0e2f7b9c41a3e8d6f2b7c0a9e1d4f3";
const TWILIO_TOKEN: &str = "e3b91c7d2a5f40869d1e7c3b2a8f6d05";

/// (path, contents, line of the secret, line of the partner): one file of each kind, with
/// names that say nothing of the provider.
fn aws_files() -> Vec<(&'static str, String, usize, usize)> {
    let (id, secret) = (AWS_ID, AWS_SECRET);
    vec![
        (
            "deploy/.env",
            format!("BUCKET=uploads\nS3_KEY={id}\nS3_PASS={secret}\n"),
            3,
            2,
        ),
        (
            "config/storage.yaml",
            format!("storage:\n  bucket: uploads\n  secret: \"{secret}\"\n  key: {id}\n"),
            3,
            4,
        ),
        (
            "app/upload.py",
            format!("import boto3\n\ns3 = boto3.client(\n    \"s3\",\n    \"{id}\",\n    \"{secret}\",\n)\n"),
            6,
            5,
        ),
        (
            "web/src/upload.js",
            format!("export const store = new Store({{\n  id: '{id}',\n  value: '{secret}',\n}});\n"),
            3,
            2,
        ),
        (
            "settings.json",
            format!("{{\n  \"store\": {{\n    \"k\": \"{id}\",\n    \"region\": \"eu-west-1\",\n    \"v\": \"{secret}\"\n  }}\n}}\n"),
            5,
            3,
        ),
        (
            "src/main/java/Uploader.java",
            format!("class Uploader {{\n    static final String A = \"{id}\";\n    static final String B = \"{secret}\";\n}}\n"),
            3,
            2,
        ),
    ]
}

fn twilio_files() -> Vec<(&'static str, String, usize, usize)> {
    let (sid, token) = (TWILIO_SID, TWILIO_TOKEN);
    vec![
        (
            ".env",
            format!("# sms through twilio\nSMS_ACCOUNT={sid}\nSMS_KEY={token}\n"),
            3,
            2,
        ),
        (
            "notify/config.yml",
            format!("sms:\n  provider: twilio\n  token: {token}\n  sid: {sid}\n"),
            3,
            4,
        ),
        (
            "notify/send.py",
            format!("from twilio.rest import Client\n\nclient = Client(\"{sid}\", \"{token}\")\n"),
            3,
            3,
        ),
        (
            "notify/send.js",
            format!("const twilio = require('twilio');\nconst a = '{sid}';\nconst b = '{token}';\nconst client = twilio(a, b);\n"),
            3,
            2,
        ),
        (
            "notify/settings.json",
            format!("{{\"channel\": \"twilio\", \"one\": \"{token}\", \"two\": \"{sid}\"}}\n"),
            1,
            1,
        ),
    ]
}

/// The finding of `secret` in `path`, if any.
fn finding_of<'a>(
    report: &'a serde_json::Value,
    path: &str,
    line: usize,
) -> Option<&'a serde_json::Value> {
    findings(report)
        .iter()
        .find(|f| f["path"] == path && f["line"] == line)
}

#[test]
fn paired_secrets_are_reported_under_their_provider_in_every_file_kind() {
    for (provider, secret, files) in [
        ("Amazon Web Services", AWS_SECRET, aws_files()),
        ("Twilio", TWILIO_TOKEN, twilio_files()),
    ] {
        for (path, text, line, partner_line) in files {
            let dir = tree(&[(path, text.as_bytes())]);
            let report = scan_json(&["--show-secrets", path_str(dir.path())]);
            let f = finding_of(&report, path, line)
                .unwrap_or_else(|| panic!("{secret} in {path}: {:#}", report["findings"]));
            assert_eq!(f["secret"], secret, "{path}: {f:#}");
            assert_eq!(f["provider"], provider, "{path}: {f:#}");
            assert_eq!(f["confidence"], "high", "{path}: {f:#}");
            assert_eq!(f["partner_line"], partner_line, "{path}: {f:#}");
        }
    }
}

#[test]
fn without_the_partner_near_the_same_values_are_not_reported() {
    let filler = "# padding\n".repeat(60);
    for (secret, files) in [(AWS_SECRET, aws_files()), (TWILIO_TOKEN, twilio_files())] {
        for (path, text, line, _) in files {
            let partner = if secret == AWS_SECRET {
                AWS_ID
            } else {
                TWILIO_SID
            };
            // The partner gone (its place taken by a value of another shape), and the
            // partner pushed more than the pair's window (400 bytes) away.
            let without = text.replace(partner, "see-the-vault");
            let far = if text.find(partner) < text.find(secret) {
                text.replacen(partner, &format!("{partner}\n{filler}"), 1)
            } else {
                text.replacen(secret, &format!("{secret}\n{filler}"), 1)
            };
            for (what, body) in [("no partner", without), ("a far partner", far)] {
                let dir = tree(&[(path, body.as_bytes())]);
                let report = scan_json(&["--show-secrets", path_str(dir.path())]);
                // A secret-named variable may still be reported by the generic rule, never
                // under the provider.
                let provider = if secret == AWS_SECRET {
                    "Amazon Web Services"
                } else {
                    "Twilio"
                };
                let found = findings(&report)
                    .iter()
                    .any(|f| f["secret"] == secret && f["provider"] == provider);
                assert!(
                    !found,
                    "{what}, {path} (line {line}): {:#}",
                    report["findings"]
                );
            }
        }
    }
}

#[test]
fn look_alikes_beside_a_partner_are_not_reported() {
    let hashes = format!(
        "S3_KEY={AWS_ID}\nCOMMIT=3f786850e387550fdab836ed7e6dc881de23001b\nINTEGRITY=sha512-q8Zt3VbN+1wKfL0xR7mYp/Ds5HgC2jUe9aTnB6oWq8Zt3VbN+1wKfL0xR7mYp/Ds5HgC2jUe9aTnB6oW==\nASSET=static/img/icons/favicon/appleTouchIcon180.png\nUUID=5d0e2f7b-9c41-a3e8-d6f2-b7c0a9e1d4f3\n"
    );
    let twilio = format!(
        "# twilio\nSMS_ACCOUNT={TWILIO_SID}\nMD5=D41D8CD98F00B204E9800998ECF8427E\nBUILD=12345678901234567890123456789012\nAPI_KEY_SID=SK5d0e2f7b9c41a3e8d6f2b7c0a9e1d4f3\n"
    );
    let dir = tree(&[(".env", hashes.as_bytes()), ("sms.env", twilio.as_bytes())]);
    let report = scan_json(&[path_str(dir.path())]);
    let paired: Vec<_> = findings(&report)
        .iter()
        .filter(|f| {
            f["rule"] == "aws.secret-access-key-after-id" || f["rule"] == "twilio.paired-auth-token"
        })
        .collect();
    assert!(paired.is_empty(), "{paired:#?}");
}

#[test]
fn the_human_report_names_the_partners_line() {
    let (path, text, _, _) = aws_files().remove(0);
    let dir = tree(&[(path, text.as_bytes())]);
    let out = scan(&["--color", "never", path_str(dir.path())]);
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("paired with the access key ID on line 2"),
        "{human}"
    );
}

#[test]
fn verification_sends_the_pair() {
    let server = Server::start(|hit| {
        let sid_path = format!("/2010-04-01/Accounts/{TWILIO_SID}.json");
        if hit.path == sid_path && hit.basic() == Some((TWILIO_SID.into(), TWILIO_TOKEN.into())) {
            Reply::Send(200, vec![], r#"{"status": "active"}"#.into())
        } else {
            Reply::Send(401, vec![], "{}".into())
        }
    });
    let (path, text, line, _) = twilio_files().remove(0);
    let dir = tree(&[(path, text.as_bytes())]);
    let ep = format!("twilio={}", server.url());
    let report = scan_json(&[
        "--verify",
        "--verify-endpoint",
        &ep,
        "--rule",
        "twilio.paired-auth-token",
        path_str(dir.path()),
    ]);
    let f = finding_of(&report, path, line).unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(f["verification"]["status"], "live", "{f:#}");
    assert_eq!(server.hits().len(), 1);
}
