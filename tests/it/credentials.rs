//! Credentials beyond API keys: passwords in URIs, connection strings, config files, command
//! lines, credential files that tools write and Kubernetes Secrets. Each case is a file in its
//! real name and layout; the whole set is written to one tree and scanned once. Values that a
//! file holds base64-encoded or hashed are built here at run time, never stored.

use base64::Engine as _;

use crate::util::{findings, path_str, scan_json, tree};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A made-up hash body in crypt's alphabet (`./0-9A-Za-z`), the same every run.
fn crypt_chars(seed: u64, n: usize) -> String {
    const ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % 64) as usize] as char
        })
        .collect()
}

/// (path, contents, the rule that must report it, a part of the secret it must hold). Where two
/// rules claim the same bytes (`a|b`), either may: the report keeps one finding per secret.
fn positives() -> Vec<(String, String, &'static str, String)> {
    let mut v: Vec<(String, String, &'static str, String)> = Vec::new();
    let mut add = |path: &str, text: String, rule: &'static str, secret: &str| {
        v.push((path.to_string(), text, rule, secret.to_string()));
    };
    // 1. URIs with credentials.
    add("app/.env", "DATABASE_URL=postgresql://ledger_rw:Qm7vT2xkP9wLr4Zs@db.prod-cluster.acme-corp.net:5432/ledger?sslmode=require\n".into(), "postgres.connection-uri", "Qm7vT2xkP9wLr4Zs");
    add("config/database.yml", "production:\n  url: mysql2://shop:w4Kp9zR2mQ7tX1bN@mysql-prod.acme-corp.net/shop\n  pool: 10\n".into(), "mysql.connection-uri", "w4Kp9zR2mQ7tX1bN");
    add("src/db.js", "const uri = \"mongodb+srv://analytics:Zt6qN2wX8kLm4Rv9@cluster0.a1b2c.mongodb.net/events?retryWrites=true\";\n".into(), "mongodb.connection-uri", "Zt6qN2wX8kLm4Rv9");
    add(
        "settings.py",
        "CELERY_BROKER_URL = 'amqp://worker:Kq4Wz9Lm2Xt7Rp8V@rabbit.acme-corp.net:5672/jobs'\n"
            .into(),
        "amqp.connection-uri",
        "Kq4Wz9Lm2Xt7Rp8V",
    );
    add("backup/sync.sh", "#!/bin/sh\nrsync -az /srv/data rsync://backup:Tz8Lq2Xk7mWp4Rv9@nas01.acme-corp.net/volume1/backups\n".into(), "generic.uri-credentials", "Tz8Lq2Xk7mWp4Rv9");
    add("src/main/resources/application.properties", "spring.datasource.url=jdbc:sqlserver://sql01.acme-corp.net:1433;databaseName=hr;user=hr_app;password=H8s2kQz4Lm9xVt1w;encrypt=true\n".into(), "jdbc.password|connection-string.password", "H8s2kQz4Lm9xVt1w");
    // 2. Connection strings and key = value credentials.
    add("src/Api/appsettings.Production.json", "{\n  \"ConnectionStrings\": {\n    \"Orders\": \"Server=tcp:acme-sql.database.windows.net,1433;Initial Catalog=orders;User ID=orders_app;Password=Jq4Lz8Wm2Xk6Tp9R;Encrypt=True;\"\n  }\n}\n".into(), "connection-string.password", "Jq4Lz8Wm2Xk6Tp9R");
    add("etl/load.py", "conn = pyodbc.connect('DRIVER={ODBC Driver 18 for SQL Server};SERVER=sql01.acme-corp.net;DATABASE=dw;UID=etl;PWD=Rf6Tg9Yh3Uj7Ik1P')\n".into(), "connection-string.password", "Rf6Tg9Yh3Uj7Ik1P");
    add(
        "deploy/prod.env",
        "APP_ENV=production\nSMTP_HOST=smtp.mailgun.org\nSMTP_PASSWORD=Vb8Nm3Qw6Er9Ty2U\n".into(),
        "config.password-assignment|cli.password-variable",
        "Vb8Nm3Qw6Er9Ty2U",
    );
    add("config/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://db.acme-corp.net:5432/orders\n    username: orders\n    password: Lk8Jh5Gf2Ds9Aq4W\n".into(), "config.password-assignment", "Lk8Jh5Gf2Ds9Aq4W");
    add(
        "config/app.ini",
        "[database]\nhost = db.acme-corp.net\nuser = app\npassword = Pz4Xc7Vb1Nm8Qa3W\n".into(),
        "config.password-assignment",
        "Pz4Xc7Vb1Nm8Qa3W",
    );
    add("infra/main.tf", "resource \"azurerm_mssql_server\" \"main\" {\n  name                         = \"acme-sql\"\n  administrator_login          = \"sqladmin\"\n  administrator_login_password = \"Tb3Yn6Um9Ik2Ol5P\"\n}\n".into(), "config.password-assignment", "Tb3Yn6Um9Ik2Ol5P");
    add(
        "infra/prod.tfvars",
        "db_password = \"Mn7Bv2Cx5Zl8Kj3H\"\n".into(),
        "config.password-assignment",
        "Mn7Bv2Cx5Zl8Kj3H",
    );
    add(
        "pyproject-local/config.toml",
        "[smtp]\nserver = \"smtp.office365.com\"\npassword = \"Es9Wa4Zq7Xs2Cd5V\"\n".into(),
        "config.password-assignment",
        "Es9Wa4Zq7Xs2Cd5V",
    );
    add("public_html/wp-config.php", format!("<?php\ndefine( 'DB_NAME', 'wp_shop' );\ndefine( 'DB_USER', 'wp_shop' );\ndefine( 'DB_PASSWORD', 'Qe4Rt7Yu1Io5Pa8S' );\ndefine( 'DB_HOST', 'mysql-prod.acme-corp.net' );\ndefine( 'AUTH_KEY',         '{}' );\n$table_prefix = 'wp_';\n", "q]8W2e4R6t1Y3u5I7o9P0aSdFgHjKlZ|xCvBnM%,.w2e4R6t1Y3u5I7o9P0aSdFg"), "php.password", "Qe4Rt7Yu1Io5Pa8S");
    add("site/wp-config.php", "<?php\ndefine( 'SECURE_AUTH_KEY',  'Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4Zs+W4Kp9zR2mQ7tX1bN0aB3dE5fG7hJ9k' );\n".into(), "wordpress.auth-key", "Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4Zs+W4Kp9zR2mQ7tX1bN0aB3dE5fG7hJ9k");
    add("app/config/database.php", "<?php\nreturn ['mysql' => ['host' => 'db.acme-corp.net', 'username' => 'app', 'password' => 'Ws3Ed6Rf9Tg2Yh5U']];\n".into(), "php.password", "Ws3Ed6Rf9Tg2Yh5U");
    add(
        "mysite/settings/production.py",
        "DEBUG = False\nSECRET_KEY = 'k9#Lm2$Xt7Rp8VbN3cQz4Wq8W2e4R6t1Y3u5I7o9P0aSdF'\n".into(),
        "django.secret-key",
        "k9#Lm2$Xt7Rp8VbN3cQz4Wq8W2e4R6t1Y3u5I7o9P0aSdF",
    );
    let skb = "7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f78a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091";
    add(
        "config/secrets.yml",
        format!("production:\n  secret_key_base: {skb}\n"),
        "rails.secret-key-base",
        skb,
    );
    add(
        "config/master.key",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0".into(),
        "rails.master-key",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    );
    add("src/main/resources/applicationContext.xml", "<bean id=\"ds\" class=\"org.apache.commons.dbcp2.BasicDataSource\">\n  <property name=\"username\" value=\"shop\"/>\n  <property name=\"password\" value=\"Cv4Bn7Mq1Wr5Te8Y\"/>\n</bean>\n".into(), "config.password-xml", "Cv4Bn7Mq1Wr5Te8Y");
    // 3. Command lines.
    add("scripts/publish.sh", "#!/bin/bash\nset -e\ncurl -fsS -u deploy:Kq4Wz9Lm2Xt7Rp8Q \\\n  --upload-file dist/app.tgz https://nexus.acme-corp.net/repository/raw/app.tgz\n".into(), "curl.user-password", "Kq4Wz9Lm2Xt7Rp8Q");
    add("docs/api.md", format!("```sh\ncurl -H \"Authorization: Basic {}\" https://billing.acme-corp.net/api/invoices\n```\n", b64("svc-billing:Kq4Wz9Lm2Xt7Rp8V")), "http.basic-auth-header", "Kq4Wz9Lm2Xt7Rp8V");
    add("ops/Makefile", "backup:\n\tmysqldump -h mysql-prod.acme-corp.net -u backup -pZt6qN2wX8kLm4Rv7 shop > shop.sql\n".into(), "cli.password-argument", "Zt6qN2wX8kLm4Rv7");
    add(".github/workflows/deploy.yml", "jobs:\n  deploy:\n    steps:\n      - run: sshpass -p H8s2kQz4Lm9xVt1q ssh deploy@web01.acme-corp.net ./release.sh\n".into(), "cli.password-argument", "H8s2kQz4Lm9xVt1q");
    add(
        "ci/login.sh",
        "docker login registry.acme-corp.net -u ci --password Jq4Lz8Wm2Xk6Tp9Q\n".into(),
        "cli.password-argument",
        "Jq4Lz8Wm2Xk6Tp9Q",
    );
    add("db/migrate.sh", "PGPASSWORD=Qm7vT2xkP9wLr4Zq psql -h db.prod-cluster.acme-corp.net -U ledger ledger < migrate.sql\n".into(), "cli.password-variable", "Qm7vT2xkP9wLr4Zq");
    add("docker/mssql/Dockerfile", "FROM mcr.microsoft.com/mssql/server:2022-latest\nENV ACCEPT_EULA=Y\nENV MSSQL_SA_PASSWORD Zt6qN2wX8kLm4Rv9!\n".into(), "cli.password-variable", "Zt6qN2wX8kLm4Rv9!");
    add("notebooks/load.ipynb", "{\"cells\": [{\"cell_type\": \"code\", \"source\": [\"!wget --user=mirror --password=Kq4Wz9Lm2Xt7Rp8W ftp://files.acme-corp.net/exports/latest.csv\\n\"]}]}\n".into(), "cli.password-argument", "Kq4Wz9Lm2Xt7Rp8W");
    add("README.md", "Clone the infra repo:\n\n    git clone https://deploy-bot:Kq4Wz9Lm2Xt7Rp8VbN3c@git.acme-corp.net/platform/infra.git\n".into(), "git.url-credentials", "Kq4Wz9Lm2Xt7Rp8VbN3c");
    // 4. Credential files, each complete.
    add("home/ci/.netrc", "machine api.heroku.com\n  login ops@acme-corp.net\n  password 8c1f2b7e-4d7a-4b9e-a0c3-5f2e9d8b7a61\nmachine ftp.files.acme-corp.net login deploy password Kq4Wz9Lm2Xt7Rp8X\n".into(), "netrc.password", "Kq4Wz9Lm2Xt7Rp8X");
    add(
        ".git-credentials",
        "https://deploy-bot:Zt6qN2wX8kLm4Rv9Qm7v@git.acme-corp.net\n".into(),
        "git.credentials-file",
        "Zt6qN2wX8kLm4Rv9Qm7v",
    );
    add("deploy/.pgpass", "# hostname:port:database:username:password\ndb.prod-cluster.acme-corp.net:5432:ledger:app_rw:Qm7vT2xkP9wLr4Zx\n".into(), "postgres.pgpass", "Qm7vT2xkP9wLr4Zx");
    add(
        "ops/.my.cnf",
        "[client]\nuser=backup\npassword=Zt6qN2wX8kLm4Rv8\nhost=mysql-prod.acme-corp.net\n".into(),
        "mysql.option-file-password",
        "Zt6qN2wX8kLm4Rv8",
    );
    let apr1 = format!("$apr1${}${}", crypt_chars(1, 8), crypt_chars(2, 22));
    add(
        "public/admin/.htpasswd",
        format!("admin:{apr1}\n"),
        "htpasswd.password-hash",
        &apr1,
    );
    let sha512 = format!("$6${}${}", crypt_chars(3, 16), crypt_chars(4, 86));
    add(
        "rootfs/etc/shadow",
        format!("root:{sha512}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"),
        "unix.shadow-password-hash",
        &sha512,
    );
    let bcrypt = format!("$2b$12${}", crypt_chars(5, 53));
    add(
        "ftp/ftpd.passwd",
        format!("ftpuser:{bcrypt}:2001:2001::/srv/ftp:/sbin/nologin\n"),
        "unix.shadow-password-hash",
        &bcrypt,
    );
    add("ci/.docker/config.json", format!("{{\n  \"auths\": {{\n    \"registry.acme-corp.net\": {{\n      \"auth\": \"{}\"\n    }}\n  }}\n}}\n", b64("ci-pusher:Kq4Wz9Lm2Xt7Rp8VbN3c")), "docker.config-auth", "Kq4Wz9Lm2Xt7Rp8VbN3c");
    add("legacy/.dockercfg", format!("{{\"https://index.docker.io/v1/\": {{\"auth\": \"{}\", \"email\": \"build@acme-corp.net\"}}}}\n", b64("acmebuild:Zt6qN2wX8kLm4Rv7q")), "docker.dockercfg-auth", "Zt6qN2wX8kLm4Rv7q");
    add("web/.npmrc", format!("registry=https://nexus.acme-corp.net/repository/npm-group/\n_auth={}\nalways-auth=true\n", b64("ci-reader:Tz8Lq2Xk7mWp4Rv3")), "npm.npmrc-auth", "Tz8Lq2Xk7mWp4Rv3");
    add("api/.npmrc", format!("//artifactory.acme-corp.net/api/npm/npm/:username=ci\n//artifactory.acme-corp.net/api/npm/npm/:_password={}\n", b64("Zt6qN2wX8kLm4Rv5")), "npm.npmrc-password", "Zt6qN2wX8kLm4Rv5");
    add(".pypirc", "[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://nexus.acme-corp.net/repository/pypi-internal/\nusername = uploader\npassword = Kq4Wz9Lm2Xt7Rp8Y\n".into(), "pypi.pypirc-password", "Kq4Wz9Lm2Xt7Rp8Y");
    add(
        ".gem/credentials",
        "---\n:rubygems_api_key: 7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\n".into(),
        "rubygems.credentials-file",
        "7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61",
    );
    add(".mvn/settings.xml", "<settings>\n  <servers>\n    <server>\n      <id>acme-releases</id>\n      <username>deployer</username>\n      <password>Kq4Wz9Lm2Xt7Rp8Z</password>\n    </server>\n  </servers>\n</settings>\n".into(), "maven.settings-password", "Kq4Wz9Lm2Xt7Rp8Z");
    add("NuGet.Config", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSourceCredentials>\n    <AcmeFeed>\n      <add key=\"Username\" value=\"build\" />\n      <add key=\"ClearTextPassword\" value=\"Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4Zs\" />\n    </AcmeFeed>\n  </packageSourceCredentials>\n</configuration>\n".into(), "nuget.cleartext-password", "Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4Zs");
    add(".s3cfg", "[default]\naccess_key = AKIAZ7QM2XK4LRW9TP3V\nsecret_key = q8W2e4R6t1Y3u5I7o9P0aSdFgHjKlZxCvBnMqW2e\nhost_base = s3.amazonaws.com\n".into(), "s3cmd.s3cfg-secret", "q8W2e4R6t1Y3u5I7o9P0aSdFgHjKlZxCvBnMqW2e");
    add(".boto", "[Credentials]\ngs_access_key_id = GOOGZ7QM2XK4LRW9TP3VQ8W2\ngs_secret_access_key = Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4ZsW4Kp9zR2\n".into(), "s3cmd.s3cfg-secret|aws.secret-access-key", "Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4ZsW4Kp9zR2");
    add("backup/rclone.conf", "[offsite]\ntype = sftp\nhost = backup.acme-corp.net\nuser = rclone\npass = Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4ZsW4Kp9zR2mQ7t\n".into(), "rclone.config-secret", "Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4ZsW4Kp9zR2mQ7t");
    add("AppData/Roaming/FileZilla/sitemanager.xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FileZilla3 version=\"3.66.1\" platform=\"windows\">\n  <Servers>\n    <Server>\n      <Host>ftp.files.acme-corp.net</Host>\n      <Port>21</Port>\n      <Protocol>0</Protocol>\n      <Type>0</Type>\n      <User>webdeploy</User>\n      <Pass encoding=\"base64\">{}</Pass>\n      <Logontype>1</Logontype>\n      <Name>production</Name>\n    </Server>\n  </Servers>\n</FileZilla3>\n", b64("Kq4Wz9Lm2Xt7Rp8T")), "filezilla.saved-password", "Kq4Wz9Lm2Xt7Rp8T");
    add(".dbeaver/data-sources.json", "{\n  \"connections\": {\n    \"postgres-jdbc-18c1\": {\n      \"provider\": \"postgresql\",\n      \"name\": \"prod ledger\",\n      \"save-password\": true,\n      \"configuration\": {\n        \"host\": \"db.prod-cluster.acme-corp.net\",\n        \"user\": \"analyst\",\n        \"password\": \"Qm7vT2xkP9wLr4Zy\"\n      }\n    }\n  }\n}\n".into(), "dbeaver.data-source-password", "Qm7vT2xkP9wLr4Zy");
    add("tools/WinSCP.ini", "[Sessions\\deploy@files.acme-corp.net]\nHostName=files.acme-corp.net\nUserName=deploy\nPassword=A35C435B9556B1237C7E3C6C6D6A2E29333D33726F1F2E2D2E6B706B6E6E6F\n".into(), "winscp.saved-password", "A35C435B9556B1237C7E3C6C6D6A2E29333D33726F1F2E2D2E6B706B6E6E6F");
    add(".3T/robo-3t/1.4.4/robo3t.json", "{\"connections\": [{\"connectionName\": \"prod\", \"serverHost\": \"cluster0-shard-00-01.acme.mongodb.net\", \"credentials\": [{\"databaseName\": \"admin\", \"userName\": \"analytics\", \"userPassword\": \"Zt6qN2wX8kLm4Rv3\", \"enabled\": true}]}]}\n".into(), "robo3t.saved-password", "Zt6qN2wX8kLm4Rv3");
    let enc = format!(
        "MFIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECH{}",
        crypt_chars(6, 80).replace(['.', '/'], "q")
    );
    add("profile.default-release/logins.json", format!("{{\"nextId\":2,\"logins\":[{{\"id\":1,\"hostname\":\"https://admin.acme-corp.net\",\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECGz7\",\"encryptedPassword\":\"{enc}\",\"encType\":1}}]}}\n"), "firefox.saved-logins", &enc);
    let private = crypt_chars(7, 62).replace(['.', '/'], "Q");
    add("keys/deploy.ppk", format!("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@acme-corp\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIHq8kLm4Rv9Qm7vT2xkP9wLr4ZsW4Kp9zR2mQ7tX\n1bN0\nPrivate-Lines: 1\n{private}\nPrivate-MAC: 7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n"), "private-key.putty", &private);
    add(".yarnrc.yml", "nodeLinker: node-modules\nnpmScopes:\n  acme:\n    npmRegistryServer: \"https://npm.acme-corp.net\"\n    npmAuthToken: \"Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4Zq\"\n".into(), "yarn.yarnrc-auth", "Zt6qN2wX8kLm4Rv9Qm7vT2xkP9wLr4Zq");
    let static_key = "7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7\n7c1f2b7e4d7a4b9ea0c35f2e9d8b7a61\nc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7";
    add("vpn/office.ovpn", format!("client\ndev tun\nproto udp\nremote vpn.acme-corp.net 1194\nkey-direction 1\n<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\n{static_key}\n-----END OpenVPN Static key V1-----\n</tls-auth>\n"), "openvpn.static-key", "7c1f2b7e4d7a4b9e");
    // 5. Kubernetes Secrets.
    add("k8s/ledger-secret.yaml", format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ledger\ndata:\n  LOG_LEVEL: info\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: ledger-db\n  namespace: payments\ntype: Opaque\ndata:\n  username: {}\n  password: {}\n", b64("ledger"), b64("Qm7vT2xkP9wLr4Zw")), "kubernetes.secret-data", "Qm7vT2xkP9wLr4Zw");
    add("k8s/smtp.json", format!("{{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {{\"name\": \"smtp\"}}, \"data\": {{\"SMTP_PASSWORD\": \"{}\"}}}}\n", b64("Kq4Wz9Lm2Xt7Rp8U")), "kubernetes.secret-data", "Kq4Wz9Lm2Xt7Rp8U");
    add("charts/app/templates/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"app.fullname\" . }}\nstringData:\n  SMTP_USER: noreply@acme-corp.net\n  SMTP_PASSWORD: \"Jq4Lz8Wm2Xk6Tp9S\"\n".into(), "kubernetes.secret-string-data", "Jq4Lz8Wm2Xk6Tp9S");
    add("k8s/app-config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n  API_TOKEN: Zt6qN2wX8kLm4Rv9Qm7vT2xk\n".into(), "kubernetes.configmap-secret", "Zt6qN2wX8kLm4Rv9Qm7vT2xk");
    v
}

/// (path, contents): no finding at all.
fn negatives() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut add = |path: &str, text: String| v.push((path.to_string(), text));
    // URLs without a password, SSH addresses, Git remotes.
    add("a/.env", "API_URL=https://api.acme-corp.net/v1\nREPO=git@github.com:acme/app.git\nSSH_TARGET=deploy@web01.acme-corp.net\n".into());
    add("a/remote.sh", "git clone ssh://git@git.acme-corp.net/platform/infra.git\ngit clone https://github.com/acme/app.git\nscp build.tgz deploy@web01.acme-corp.net:/srv\n".into());
    // Lockfile integrity hashes, checksums, digests.
    add("b/package-lock.json", "{\"packages\": {\"node_modules/pg\": {\"version\": \"8.11.3\", \"resolved\": \"https://registry.npmjs.org/pg/-/pg-8.11.3.tgz\", \"integrity\": \"sha512-+9iuvG8QfaaUrrph+kpF24cXkH1YOOUeArRNYIxq1viYHZagBxrTno7cecY1Fa44tJeZvaoG+Djpkc3JwehN5g==\"}}}\n".into());
    add("b/deploy.yaml", "spec:\n  containers:\n    - image: registry.acme-corp.net/app@sha256:5204d39df37f06d1944935232fd2dfe05008def7ca599bf28c0800366c8a8f9b\n".into());
    add(
        "b/SHA256SUMS",
        "5204d39df37f06d1944935232fd2dfe05008def7ca599bf28c0800366c8a8f9b  app.tgz\n".into(),
    );
    // Documentation hosts with obviously fake passwords, local development defaults.
    add("c/docs/setup.md", "Use `postgres://user:password@db.example.com:5432/app` and `curl -u user:pass https://api.example.com`.\n".into());
    add("c/docker-compose.yml", "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: postgres\n  app:\n    environment:\n      DATABASE_URL: postgres://postgres:postgres@db:5432/app\n      REDIS_URL: redis://localhost:6379\n".into());
    add(
        "c/.env",
        "DATABASE_URL=mysql://root:root@127.0.0.1:3306/app\n".into(),
    );
    // Empty values, references, templates, redacted values.
    add("d/.env", "DB_PASSWORD=\nSMTP_PASSWORD=${SMTP_PASSWORD}\nADMIN_PASSWORD=$(cat /run/secrets/admin)\nREDIS_PASSWORD=<redacted>\n".into());
    add(
        "d/values.yaml",
        "db:\n  password: \"{{ .Values.global.dbPassword }}\"\n  password2: ${DB_PASSWORD}\n"
            .into(),
    );
    add("d/templates/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {{ .Values.db.password | b64enc | quote }}\n".into());
    add(
        "d/application.properties",
        "spring.datasource.password=${SPRING_DATASOURCE_PASSWORD}\nspring.mail.password=\n".into(),
    );
    add("d/settings.xml", "<settings><servers><server><id>x</id><password>${env.MAVEN_PASSWORD}</password></server></servers></settings>\n".into());
    add(
        "d/.netrc",
        "machine api.acme-corp.net login ci password ${NETRC_TOKEN}\n".into(),
    );
    add(
        "d/.docker/config.json",
        "{\"auths\": {\"registry.acme-corp.net\": {}}, \"credsStore\": \"desktop\"}\n".into(),
    );
    add("d/deploy.sh", "curl -u \"$NEXUS_USER:$NEXUS_PASSWORD\" https://nexus.acme-corp.net/\nmysql -u root -p\ndocker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\nPGPASSWORD=$DB_PASSWORD psql -h db\n".into());
    add("d/wp-config-sample.php", "<?php\ndefine( 'DB_PASSWORD', 'password_here' );\ndefine( 'AUTH_KEY',         'put your unique phrase here' );\n".into());
    add("d/settings.py", "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\nDATABASES = {'default': {'PASSWORD': os.environ.get('DB_PASSWORD', '')}}\n".into());
    // The shape of a credential file under another name is not that file.
    add(
        "e/notes.txt",
        "machine ftp.acme-corp.net login deploy password Kq4Wz9Lm2Xt7Rp8X\n".into(),
    );
    add("e/passwords.md", "admin:$apr1$abcdefgh$\n".into());
    // Placeholder passwords in each credential file kind.
    add("f/.pgpass", "localhost:5432:*:postgres:postgres\n".into());
    add(
        "f/.my.cnf",
        "[client]\nuser=root\npassword=your_password\n".into(),
    );
    add(
        "f/.npmrc",
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n".into(),
    );
    add(
        "f/.pypirc",
        "[pypi]\nusername = __token__\npassword = <your PyPI token>\n".into(),
    );
    add("f/NuGet.Config", "<configuration><packageSourceCredentials><Feed><add key=\"ClearTextPassword\" value=\"%NUGET_PAT%\" /></Feed></packageSourceCredentials></configuration>\n".into());
    add("f/sitemanager.xml", format!("<FileZilla3><Servers><Server><Host>ftp.acme-corp.net</Host><User>anonymous</User><Pass encoding=\"base64\">{}</Pass></Server></Servers></FileZilla3>\n", b64("password")));
    add(
        "f/.docker/config.json",
        format!(
            "{{\"auths\": {{\"registry.acme-corp.net\": {{\"auth\": \"{}\"}}}}}}\n",
            b64("user:password")
        ),
    );
    add("f/k8s-secret.yaml", format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: {}\n  password: {}\n", b64("admin"), b64("changeme")));
    v
}

#[test]
fn credentials_of_every_kind_are_found_and_look_alikes_are_not() {
    let pos = positives();
    let neg = negatives();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, (path, text, _, _)) in pos.iter().enumerate() {
        files.push((format!("pos/{i:02}/{path}"), text.clone().into_bytes()));
    }
    for (i, (path, text)) in neg.iter().enumerate() {
        files.push((format!("neg/{i:02}/{path}"), text.clone().into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let dir = tree(&refs);
    let report = scan_json(&[
        path_str(dir.path()),
        "--show-secrets",
        "--min-confidence",
        "low",
    ]);
    let found = findings(&report);
    let mut problems = Vec::new();
    for (i, (path, _, rule, secret)) in pos.iter().enumerate() {
        let path = format!("pos/{i:02}/{path}");
        let hit = found.iter().any(|f| {
            f["path"] == path.as_str()
                && rule.split('|').any(|r| f["rule"] == r)
                && f["secret"]
                    .as_str()
                    .is_some_and(|s| s.contains(secret.as_str()))
        });
        if !hit {
            let got: Vec<String> = found
                .iter()
                .filter(|f| f["path"] == path.as_str())
                .map(|f| format!("{} {}", f["rule"], f["secret"]))
                .collect();
            problems.push(format!("{path}: wanted {rule} {secret:?}, got {got:?}"));
        }
    }
    for f in found {
        let p = f["path"].as_str().unwrap_or("");
        if p.starts_with("neg/") {
            problems.push(format!("{p}: reported {} {}", f["rule"], f["secret"]));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn credential_findings_name_the_file_kind_and_decode_what_the_file_encodes() {
    let docker = format!(
        "{{\"auths\": {{\"registry.acme-corp.net\": {{\"auth\": \"{}\"}}}}}}\n",
        b64("ci-pusher:Kq4Wz9Lm2Xt7Rp8VbN3c")
    );
    let zilla = format!(
        "<FileZilla3><Servers><Server><Host>ftp.acme-corp.net</Host><User>web</User><Pass encoding=\"base64\">{}</Pass></Server></Servers></FileZilla3>\n",
        b64("Kq4Wz9Lm2Xt7Rp8T")
    );
    let dir = tree(&[
        (".docker/config.json", docker.as_bytes()),
        ("FileZilla/sitemanager.xml", zilla.as_bytes()),
    ]);
    let report = scan_json(&[path_str(dir.path())]);
    let found = findings(&report);
    let by_rule = |id: &str| {
        found
            .iter()
            .find(|f| f["rule"] == id)
            .unwrap_or_else(|| panic!("no {id} finding in {found:?}"))
    };
    let d = by_rule("docker.config-auth");
    assert_eq!(d["name"], "Docker registry login in a Docker config");
    assert_eq!(d["encoding"], "base64");
    assert_eq!(d["line"], 1);
    // The decoded password is what is fingerprinted and masked, never the base64 blob.
    let redacted = d["redacted"].as_str().unwrap();
    assert!(
        redacted.starts_with("Kq4") && !redacted.contains("Y2kt"),
        "{redacted}"
    );
    let z = by_rule("filezilla.saved-password");
    assert_eq!(z["name"], "FileZilla saved site password");
    assert_eq!(z["confidence"], "high");
}
