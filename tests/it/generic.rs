//! The generic detector: secrets assigned to secret-like names, one line per case, in many
//! file formats. Every line is written to its own file and the tree is scanned once.

use crate::util::{findings, path_str, scan_json, tree};

/// (file name, contents): each must produce a `generic.*` finding, or one of the credential
/// rule that claims the same value (rules/credentials-*.toml).
const POSITIVE: &[(&str, &str)] = &[
    (".env", "DB_PASSWORD=Zx9vQ2mL7pK4wR8tY6\n"),
    (".env.local", "SESSION_SECRET=\"aB3dE5fG7hJ9kL1mN3pQ8r\"\n"),
    ("prod.env", "export AUTH_TOKEN=8f2b1c9d4e7a6b3c0d5e9f1a\n"),
    ("config.json", "{\"client_secret\": \"Qm4nT8vX2zB6cD9fH3jK7s\"}\n"),
    ("app.json", "{\n  \"db\": {\n    \"password\": \"r7Tq2wX9zL4mK8pV3nB6\"\n  }\n}\n"),
    ("settings.json", "{\"apiKey\":\"G5hJ8kL2mN4pQ7rS9tV1wX3\"}\n"),
    ("values.yaml", "database:\n  password: W3eR5tY7uI9oP1aS2dF4\n"),
    ("ci.yml", "env:\n  API_TOKEN: \"k9L2m4N6p8Q1r3S5t7V9\"\n"),
    ("compose.yaml", "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=Hq7Wz2Lx9Kp4Vn8Rt3Bm\n"),
    ("config.toml", "[server]\nsecret_key = \"Vb8Nm3Qw6Er9Ty2Ui5Op\"\n"),
    ("Cargo-config.toml", "[registry]\ntoken = \"cio7Hd2Kf9Lq4Wm8Xz3Rb6\"\n"),
    ("application.properties", "spring.datasource.password=Lk8Jh5Gf2Ds9Aq4Wz7Xc\n"),
    ("gradle.properties", "signing.password=Pz4Xc7Vb1Nm8Qa3Ws6Ed\n"),
    ("app.py", "SECRET_KEY = 'Tg5Yh8Uj2Ik6Ol9Pz3Xc7'\n"),
    ("client.py", "client = Client(api_key=\"Nb4Vc7Xz1Lk5Jh8Gf2Ds\")\n"),
    ("settings.py", "DATABASES = {'default': {'PASSWORD': 'Rf6Tg9Yh3Uj7Ik1Ol4Pz'}}\n"),
    ("index.js", "const apiKey = 'Ws3Ed6Rf9Tg2Yh5Uj8Ik1';\n"),
    ("config.js", "module.exports = { authToken: \"Qa2Ws5Ed8Rf1Tg4Yh7Uj\" };\n"),
    ("server.ts", "const jwtSecret: string = \"Mn7Bv2Cx5Zl8Kj3Hg6Fd\";\n"),
    ("app.tsx", "export const ACCESS_TOKEN = `Po9Iu4Yt7Re2Wq5Lk8Jh`;\n"),
    ("main.go", "var apiKey = \"Xc3Vb6Nm9Qw2Er5Ty8Ui\"\n"),
    ("config.go", "cfg := Config{Password: \"Jh4Gf7Ds1Aq8Wz5Xc2Vb\"}\n"),
    ("Main.java", "private static final String API_KEY = \"Zq8Wx3Ec6Rv9Tb2Yn5Um\";\n"),
    ("App.kt", "val clientSecret = \"Lp7Ko2Ji5Hu8Gy1Ft4Dr\"\n"),
    ("Program.cs", "var password = \"Es9Wa4Zq7Xs2Cd5Vf8Bg\";\n"),
    ("main.rs", "const API_KEY: &str = \"Nh3Bg6Vf9Cd2Xs5Za8Qw\";\n"),
    ("lib.rs", "let token: String = String::from(\"Yu6Ti9Or2Ep5Wq8Al3Sk\");\nlet auth_token = \"Yu6Ti9Or2Ep5Wq8Al3Sx\";\n"),
    ("app.rb", "config.secret_token = 'Mj5Nh8Bg1Vf4Cd7Xs2Za'\n"),
    ("index.php", "$password = 'Kl2Mn5Bv8Cx1Zl4Jh7Gf';\n"),
    ("wp-config.php", "define('AUTH_KEY', 'Qe4Rt7Yu1Io5Pa8Sd2Fg');\n"),
    ("deploy.sh", "mysql -u app --password=Wd8Ef3Rg6Th9Yj2Uk5Il appdb\n"),
    ("run.sh", "curl -s https://internal.api/v1 --token Zr5Xe8Cw2Vq6Bt9Ny3Mu\n"),
    ("Dockerfile", "ENV API_KEY=Gh6Jk9Lm2Np5Qr8St1Uv\n"),
    ("main.tf", "resource \"x\" \"y\" {\n  password = \"Tb3Yn6Um9Ik2Ol5Pz8Xa\"\n}\n"),
    ("web.config", "<appSettings>\n  <add key=\"PaymentApiKey\" value=\"Zx9vQ2mL7pK4wR8tY6nB\" />\n</appSettings>\n"),
    ("settings.xml", "<server>\n  <id>nexus</id>\n  <password>Cv4Bn7Mq1Wr5Te8Yu2Io</password>\n</server>\n"),
    ("app.config", "<setting name=\"SmtpPassword\" value=\"p4ssW0rd7Tr0ub4dor3x\"/>\n"),
    ("notebook.ipynb", "{\"source\": [\"api_key = \\\"Hy7Ju2Ki5Lo8Pq3Aw6Se\\\"\\n\"]}\n"),
    ("secrets.ini", "[smtp]\npassword = Fr4Gt7Hy1Ju5Ki8Lo2Pq\n"),
    ("creds.cfg", "auth_key: Bn3Mq6Wr9Te2Yu5Io8Pa\n"),
    ("docker-compose.yml", "    command: --api-key Xq2Wc5Ev8Rb1Tn4Ym7Ui\n"),
    ("hex.env", "WEBHOOK_SECRET=9f86d081884c7d659a2feaa0c55ad015\n"),
];

/// (file name, contents): must produce no finding at all.
const NEGATIVE: &[(&str, &str)] = &[
    (".env", "DB_PASSWORD=${DB_PASSWORD}\n"),
    (".env.example", "API_TOKEN=<your-token-here>\n"),
    ("prod.env", "SESSION_SECRET=changeme\n"),
    ("config.json", "{\"client_secret\": \"\"}\n"),
    ("app.json", "{\"password\": \"password123\"}\n"),
    ("schema.json", "{\"token\": {\"type\": \"string\", \"minLength\": 32}}\n"),
    ("values.yaml", "password: {{ .Values.db.password }}\n"),
    ("ci.yml", "env:\n  API_TOKEN: ${{ secrets.API_TOKEN }}\n"),
    ("k8s.yaml", "secretKeyRef:\n  name: app-secrets\n  key: api-key\n"),
    ("config.toml", "secret_key = \"REPLACE_ME\"\n"),
    ("application.properties", "spring.datasource.password=${DB_PASS}\n"),
    ("app.py", "password = os.environ[\"DB_PASSWORD\"]\n"),
    ("client.py", "token = request.headers.get('Authorization')\n"),
    ("auth.py", "secret = hashlib.sha256(data).hexdigest()\n"),
    ("models.py", "password = models.CharField(max_length=128)\n"),
    ("index.js", "const apiKey = process.env.API_KEY;\n"),
    ("config.js", "const token = localStorage.getItem('token');\n"),
    ("server.ts", "const secret: string = config.get<string>('jwt.secret');\n"),
    ("lexer.ts", "const token = this.nextToken();\n"),
    ("types.ts", "export type TokenKind = 'identifier' | 'keyword';\n"),
    ("main.go", "password := os.Getenv(\"DB_PASSWORD\")\n"),
    ("Main.java", "String password = System.getenv(\"DB_PASSWORD\");\n"),
    ("App.kt", "val token = BuildConfig.API_TOKEN\n"),
    ("main.rs", "let token = lexer.next_token()?;\n"),
    ("parse.rs", "let token: TokenStream = input.parse()?;\n"),
    ("consts.rs", "pub const TOKEN_TYPE_BEARER_V2: u32 = 0x8004170B_u32;\n"),
    ("auth.rs", "let secret = std::env::var(\"APP_SECRET\").expect(\"APP_SECRET\");\n"),
    ("app.rb", "config.secret_key_base = ENV.fetch('SECRET_KEY_BASE')\n"),
    ("index.php", "$password = $_POST['password'];\n"),
    ("deploy.sh", "mysql -u app --password=\"$DB_PASSWORD\" appdb\n"),
    ("Dockerfile", "ARG API_KEY\nENV API_KEY=$API_KEY\n"),
    ("main.tf", "password = var.db_password\n"),
    ("web.config", "<add key=\"TokenLifetime\" value=\"3600\" />\n"),
    ("package-lock.json", "\"node_modules/js-tokens\": {\"version\": \"4.0.0\", \"integrity\": \"sha512-RdJUflcE3cUzKiMqQgsCu06FPu9UdIJO0beYbPhHN4k6apgJtifcoCtT9bcxOpYBtpD2kCM6Sbzg4CausW/PKQ==\"}\n"),
    ("Cargo.lock", "name = \"secret-service\"\nversion = \"3.1.0\"\nchecksum = \"5204d39df37f06d1944935232fd2dfe05008def7ca599bf28c0800366c8a8f9\"\n"),
    ("docs.md", "Set `password: <your password>` in the config.\n"),
    ("README.md", "export API_TOKEN=your_api_token_here\n"),
    ("i18n.json", "{\"password_reset_title\": \"Reset your password\"}\n"),
    ("routes.js", "app.post('/api/token/refresh', refreshTokenHandler);\n"),
    ("test.py", "assert token == expected_token_value_v1\n"),
    ("uuid.yaml", "api_token: 3f2b8c1e-9a4d-4e7f-b6c5-0d1e2f3a4b5c\n"),
    ("version.yml", "token_version: 1.2.3-beta.4\n"),
    ("paths.ini", "secret_file = /etc/app/secrets/db.key\n"),
    ("css.css", ".token-input { color: #ff00aa; }\n"),
];

#[test]
fn generic_positives_and_negatives_across_formats() {
    assert!(POSITIVE.len() >= 40 && NEGATIVE.len() >= 40);
    let mut files: Vec<(String, &[u8])> = Vec::new();
    for (i, (name, text)) in POSITIVE.iter().enumerate() {
        files.push((format!("pos/{i:02}/{name}"), text.as_bytes()));
    }
    for (i, (name, text)) in NEGATIVE.iter().enumerate() {
        files.push((format!("neg/{i:02}/{name}"), text.as_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, d)| (p.as_str(), *d)).collect();
    let dir = tree(&refs);
    let report = scan_json(&[path_str(dir.path())]);
    let hits: Vec<(String, String)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut missed = Vec::new();
    for (i, (name, text)) in POSITIVE.iter().enumerate() {
        let path = format!("pos/{i:02}/{name}");
        // A password-named value in a config file, a PHP define or a Maven settings.xml is
        // claimed by the more specific credential rule when its value is a chosen password.
        let claimed = |r: &str| {
            r.starts_with("generic.")
                || r.starts_with("config.")
                || r.starts_with("php.")
                || r.starts_with("maven.")
                || r.starts_with("cli.")
                || r.starts_with("wordpress.")
                || r.starts_with("django.")
        };
        if !hits.iter().any(|(p, r)| *p == path && claimed(r)) {
            missed.push(format!("{path}: {text:?}"));
        }
    }
    let noisy: Vec<String> = hits
        .iter()
        .filter(|(p, _)| p.starts_with("neg/"))
        .map(|(p, r)| format!("{p}: {r}"))
        .collect();
    assert!(
        missed.is_empty() && noisy.is_empty(),
        "missed:\n{}\n\nreported:\n{}",
        missed.join("\n"),
        noisy.join("\n")
    );
    let formats: std::collections::BTreeSet<&str> = POSITIVE
        .iter()
        .map(|(n, _)| n.rsplit('.').next().unwrap_or(n))
        .collect();
    assert!(formats.len() >= 8, "{formats:?}");
}
