//! Every subcommand against the real thing: `waxseal serve` (key server and viewer) as a process,
//! with passcodes delivered to a real SMTP server and read back from it. A sealed .eml comes back
//! byte-identical from `waxseal open`.

#[path = "../../server/tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Mail, SmtpSink};
use mail_parser::MimeHeaders;

#[path = "support/serve.rs"]
#[allow(dead_code)]
mod serve;
use serve::{BIN, Serve, open, start, text, waxseal};

/// Runs `waxseal open-reply FILE --reply-key reply-key.toml` with `more` arguments.
fn open_reply(s: &Serve, file: &str, more: &[&str]) -> Output {
    let args = [
        &["open-reply", file, "--reply-key", "reply-key.toml"][..],
        more,
    ]
    .concat();
    waxseal(s, &args)
}

const EML: &str = "From: Alice Example <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nCc: carol@example.org\r\nSubject: Quarterly report\r\nMessage-ID: <q3@example.com>\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe numbers are in. Bjørn says hi.\r\n";

#[tokio::test]
async fn seal_inspect_open_status_revoke() {
    let smtp = SmtpSink::start();
    let s = start(&smtp).await;
    std::fs::write(s.dir.path().join("report.eml"), EML).unwrap();

    let out = waxseal(
        &s,
        &[
            "seal",
            "--eml",
            "report.eml",
            "--expires",
            "2d",
            "--max-opens",
            "3",
            "--envelope",
            "report.wxs",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = summary["id"].as_str().unwrap().to_owned();
    assert_eq!(
        summary["recipients"],
        serde_json::json!(["bob@example.net", "carol@example.org"])
    );
    assert_eq!(summary["max_opens"], 3);
    assert_eq!(summary["plaintext_bytes"], EML.len());
    let html = std::fs::read_to_string(s.dir.path().join("message.html")).unwrap();
    assert!(html.contains(&format!("<script type=\"module\" src=\"{}/boot-0000000000000000.js\" integrity=\"sha384-BBBB\" crossorigin=\"anonymous\">", s.url)));
    assert!(html.contains(&format!("connect-src {};", s.url)));
    assert!(html.contains("Alice Example &lt;alice@example.com&gt;"));
    let envelope_start = html
        .find("<script type=\"application/vnd.waxseal.envelope+base64\"")
        .unwrap();
    assert!(
        envelope_start < 16 * 1024,
        "the carrier without the envelope must stay under 16 KB"
    );
    let tail = &html[html[envelope_start..].find("</script>").unwrap() + envelope_start..];
    assert!(envelope_start + tail.len() < 16 * 1024);
    // The raw envelope is the one inside the carrier.
    let raw = std::fs::read(s.dir.path().join("report.wxs")).unwrap();
    assert_eq!(
        waxseal_envelope::carrier::extract(html.as_bytes()).unwrap(),
        raw
    );

    let out = waxseal(&s, &["inspect", "message.html", "--json"]);
    assert!(out.status.success());
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["id"], id.as_str());
    assert_eq!(
        h["from"],
        serde_json::json!({"address": "alice@example.com", "name": "Alice Example"})
    );
    assert_eq!(h["key_server"], s.url.as_str());
    assert_eq!(h["message_bytes"], EML.len());
    let out = waxseal(&s, &["inspect", "report.wxs"]);
    assert!(
        text(&out.stdout).contains("from        Alice Example <alice@example.com>"),
        "{}",
        text(&out.stdout)
    );

    // Several recipients: say which one.
    let out = waxseal(&s, &["open", "message.html"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: this message has several recipients\nhint: pass --recipient with yours: bob@example.net, carol@example.org\n"
    );

    // A wrong passcode first, then the right one: byte-identical MIME comes back.
    let opened = open(
        &s,
        &smtp,
        "message.html",
        "back.eml",
        &["--recipient", "carol@example.org"],
        |mail| {
            assert_eq!(mail.to, "carol@example.org");
            let code = mail.passcode();
            let wrong = if code == "00000000" {
                "11111111"
            } else {
                "00000000"
            };
            vec![wrong.to_owned(), format!("{}-{}", &code[..4], &code[4..])]
        },
    );
    assert!(opened.status.success(), "{}", text(&opened.stderr));
    let err = text(&opened.stderr);
    assert!(
        err.contains("A passcode was e-mailed to carol@example.org with the reference "),
        "{err}"
    );
    assert!(
        err.contains("That passcode is wrong; 4 tries left."),
        "{err}"
    );
    assert!(
        err.contains(&format!("Decrypted {} bytes into back.eml", EML.len())),
        "{err}"
    );
    assert_eq!(
        std::fs::read(s.dir.path().join("back.eml")).unwrap(),
        EML.as_bytes()
    );
    // The decrypted message is the owner's alone; the carrier is an ordinary file.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |name: &str| {
            std::fs::metadata(s.dir.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("back.eml"), 0o600);
        assert_eq!(mode("message.html"), 0o644);
    }

    let out = waxseal(&s, &["status", &id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("state    active"), "{table}");
    assert!(table.contains("opens    1 of 3"), "{table}");
    for row in [
        "registered",
        "passcode sent",
        "wrong passcode",
        "verified",
        "released (opened)",
    ] {
        assert!(table.contains(row), "{row}: {table}");
    }
    assert!(table.contains("carol@example.org"));

    let out = waxseal(&s, &["revoke", &id]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        format!("revoked {id}: its key share is destroyed; the message can no longer be opened\n")
    );
    let out = Command::new(BIN)
        .args([
            "open",
            "message.html",
            "--recipient",
            "bob@example.net",
            "--out",
            "again.eml",
        ])
        .current_dir(s.dir.path())
        .env("WAXSEAL_SERVER", &s.url)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: the key server refused: The sender revoked this message; it can no longer be opened. Ask the sender if you still need it.\n"
    );
    assert!(!s.dir.path().join("again.eml").exists());
    let out = waxseal(&s, &["status", &id, "--json"]);
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["state"], "revoked");
}

#[tokio::test]
async fn compose_from_flags_with_attachment_and_inline_image() {
    let smtp = SmtpSink::start();
    let s = start(&smtp).await;
    let d = s.dir.path();
    std::fs::write(d.join("body.html"), "<p>See <img src=\"cid:seal.png\"></p>").unwrap();
    std::fs::write(d.join("body.txt"), "See the attachment.").unwrap();
    std::fs::write(d.join("seal.png"), include_bytes!("../assets/seal.png")).unwrap();
    std::fs::write(d.join("plan.csv"), "a,b\n1,2\n").unwrap();
    let out = waxseal(
        &s,
        &[
            "seal",
            "--from",
            "Alice <alice@example.com>",
            "--to",
            "bob@example.net",
            "--subject",
            "Plan",
            "--html",
            "body.html",
            "--text",
            "body.txt",
            "--inline",
            "seal.png",
            "--attach",
            "plan.csv",
            "--out",
            "plan.html",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("sealed "), "{stdout}");
    assert!(
        stdout.contains(" for bob@example.net\n  wrote plan.html ("),
        "{stdout}"
    );
    let opened = open(&s, &smtp, "plan.html", "plan.eml", &[], |mail| {
        vec![mail.passcode()]
    });
    assert!(opened.status.success(), "{}", text(&opened.stderr));
    let eml = std::fs::read(d.join("plan.eml")).unwrap();
    let m = mail_parser::MessageParser::default().parse(&eml).unwrap();
    assert_eq!(m.subject(), Some("Plan"));
    assert_eq!(
        m.body_html(0).unwrap(),
        "<p>See <img src=\"cid:seal.png\"></p>"
    );
    assert_eq!(m.body_text(0).unwrap(), "See the attachment.");
    let parts: Vec<(Option<&str>, Vec<u8>)> = m
        .attachments()
        .map(|a| (a.attachment_name(), a.contents().to_vec()))
        .collect();
    assert!(
        parts.contains(&(Some("plan.csv"), b"a,b\n1,2\n".to_vec())),
        "{parts:?}"
    );
    assert!(m.parts.iter().any(|p| p.content_id() == Some("seal.png")
        && p.contents() == include_bytes!("../assets/seal.png")));
}

#[tokio::test]
async fn server_refusals_are_clear_and_leave_nothing_behind() {
    let smtp = SmtpSink::start();
    let s = start(&smtp).await;
    std::fs::write(s.dir.path().join("report.eml"), EML).unwrap();
    let out = Command::new(BIN)
        .args(["seal", "--eml", "report.eml", "--out", "x.html"])
        .current_dir(s.dir.path())
        .env("WAXSEAL_SERVER", &s.url)
        .env(
            "WAXSEAL_API_KEY",
            "wxs_nokey_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .env("XDG_CONFIG_HOME", s.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: the key server refused the API key (Send the sender API key as `Authorization: Bearer wxs_...`; create one with `waxseal-server create-sender`.); check WAXSEAL_API_KEY\nhint: nothing was written; fix the problem and seal again\n"
    );
    assert!(!s.dir.path().join("x.html").exists());
    let leftovers: Vec<PathBuf> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let out = waxseal(&s, &["status", "AAECAwQFBgcICQoLDA0ODw"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: the key server refused: No message \"AAECAwQFBgcICQoLDA0ODw\" is registered by your organisation.\n"
    );
}

#[tokio::test]
async fn no_page_of_the_served_viewer_can_be_framed() {
    let smtp = SmtpSink::start();
    let s = start(&smtp).await;
    let http = reqwest::Client::new();
    for path in ["/", "/index.html", "/config.json", "/no-such-file.js"] {
        let res = http.get(format!("{}{path}", s.url)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(
            h["content-security-policy"], "frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
    // A preflight to the viewer's files is answered with the same headers.
    let pre = http
        .request(reqwest::Method::OPTIONS, format!("{}/index.html", s.url))
        .header("origin", "null")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    assert_eq!(pre.headers()["x-frame-options"], "DENY");
    // The key-release API keeps its own, stricter policy.
    let res = http
        .get(format!("{}/v1/config", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn the_viewer_files_go_gzip_compressed_to_browsers_that_accept_it() {
    let smtp = SmtpSink::start();
    let s = start(&smtp).await;
    let http = reqwest::Client::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/viewer");
    let plain = http
        .get(format!("{}/probe.wasm", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.headers()["content-type"], "application/wasm");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(
        plain.bytes().await.unwrap(),
        std::fs::read(fixture.join("probe.wasm")).unwrap()
    );
    let gzipped = http
        .get(format!("{}/probe.wasm", s.url))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-type"], "application/wasm");
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(
        gzipped.bytes().await.unwrap(),
        std::fs::read(fixture.join("probe.wasm.gz")).unwrap()
    );
}

#[tokio::test]
async fn a_reply_key_seals_messages_that_take_secure_replies_and_opens_the_replies() {
    use std::os::unix::fs::PermissionsExt;
    let smtp = SmtpSink::start();
    let s = start(&smtp).await;
    let dir = s.dir.path();
    // A new reply key: the file is the owner's alone, and its public part is printed.
    let made = waxseal(&s, &["reply-key", "new", "--key-id", "2026-11"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let key_file = dir.join("reply-key.toml");
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(text(&made.stdout).starts_with("key_id = \"2026-11\"\npublic_key = \""));
    assert_eq!(
        text(&made.stderr),
        "Wrote the reply key \"2026-11\" to reply-key.toml (readable by you only).\n"
    );
    let again = waxseal(&s, &["reply-key", "new", "--key-id", "2026-12"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "never overwritten without --force"
    );
    let bad = waxseal(
        &s,
        &[
            "reply-key",
            "new",
            "--key-id",
            "no spaces",
            "--out",
            "x.toml",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).starts_with("error: invalid --key-id \"no spaces\":"));

    // Sealed with it: a version-2 envelope naming the reply address and the key.
    std::fs::write(dir.join("body.txt"), "Your statement is ready.").unwrap();
    let sealed = waxseal(
        &s,
        &[
            "seal",
            "--from",
            "Alice <alice@example.com>",
            "--to",
            "bob@example.net",
            "--subject",
            "Statement",
            "--text",
            "body.txt",
            "--reply-to",
            "replies@example.com",
            "--reply-key",
            "reply-key.toml",
            "--json",
        ],
    );
    assert!(sealed.status.success(), "{}", text(&sealed.stderr));
    let html = std::fs::read(dir.join("message.html")).unwrap();
    let envelope = waxseal_envelope::carrier::extract(&html).unwrap();
    assert_eq!(envelope[8], waxseal_envelope::format::VERSION_WITH_REPLY);
    let header = waxseal_envelope::Envelope::parse(&envelope)
        .unwrap()
        .header()
        .clone();
    let reply_to = header.reply.clone().unwrap();
    assert_eq!(
        (reply_to.to.as_str(), reply_to.key_id.as_str()),
        ("replies@example.com", "2026-11")
    );
    // A reply address outside the organisation's verified domains is refused by the key server.
    let refused = waxseal(
        &s,
        &[
            "seal",
            "--from",
            "Alice <alice@example.com>",
            "--to",
            "bob@example.net",
            "--subject",
            "Statement",
            "--text",
            "body.txt",
            "--reply-to",
            "replies@elsewhere.example",
            "--reply-key",
            "reply-key.toml",
            "--out",
            "other.html",
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains(
            "elsewhere.example is not a verified sending domain of Acme Bank (verified: acme.example, example.com). Seal with a reply address in one of them"
        ),
        "{}",
        text(&refused.stderr)
    );
    assert!(!dir.join("other.html").exists(), "nothing written");

    // A reply, sealed as the viewer will seal it, opens with the key file.
    const REPLY: &[u8] = b"From: bob@example.net\r\nTo: replies@example.com\r\nSubject: Re: Statement\r\n\r\nThank you.\r\n";
    let sealed_reply =
        waxseal_envelope::reply::seal_reply(&header, "bob@example.net", 1_790_100_000, REPLY)
            .unwrap();
    std::fs::write(dir.join("reply.waxseal"), &sealed_reply).unwrap();
    // Not relayed by the key server, so nothing attests its sender: refused unless accepted as
    // a reply from an unknown sender.
    let refused = open_reply(&s, "reply.waxseal", &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        text(&refused.stderr),
        "error: the reply names bob@example.net as its sender, but the key server's attestation of that does not hold: it is not in the relay mail the key server sent, which carries the attestation; nothing was written\nhint: open the relay mail exactly as it arrived; --accept-unverified writes the reply anyway, with its sender unknown\n"
    );
    assert!(!dir.join("reply.eml").exists(), "nothing written");
    let opened = open_reply(&s, "reply.waxseal", &["--accept-unverified"]);
    assert!(opened.status.success(), "{}", text(&opened.stderr));
    assert_eq!(std::fs::read(dir.join("reply.eml")).unwrap(), REPLY);
    assert_eq!(
        std::fs::metadata(dir.join("reply.eml"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        text(&opened.stderr),
        format!(
            "A reply whose sender is UNKNOWN (it names bob@example.net, but the key server's attestation does not hold: it is not in the relay mail the key server sent, which carries the attestation) to message {}: {} bytes written to reply.eml\n",
            header.id,
            REPLY.len()
        )
    );

    // The key from the environment; another key of the same id; an unknown key id.
    let file = std::fs::read_to_string(&key_file).unwrap();
    let secret = file
        .lines()
        .find_map(|l| l.strip_prefix("secret = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    let run_env = |keys: &str, out: &str| {
        Command::new(BIN)
            .args([
                "open-reply",
                "reply.waxseal",
                "--out",
                out,
                "--accept-unverified",
            ])
            .current_dir(dir)
            .env("WAXSEAL_REPLY_KEYS", keys)
            .output()
            .unwrap()
    };
    let from_env = run_env(&format!("2026-11:{secret}"), "env.eml");
    assert!(from_env.status.success(), "{}", text(&from_env.stderr));
    assert_eq!(std::fs::read(dir.join("env.eml")).unwrap(), REPLY);
    let other = waxseal_envelope::reply::ReplyKeyPair::generate("2026-11").unwrap();
    let other_secret = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&other.secret_bytes()[..])
    };
    let wrong = run_env(&format!("2026-11:{other_secret}"), "wrong.eml");
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(
        text(&wrong.stderr),
        "error: the reply was altered or damaged, so it cannot be opened\n"
    );
    assert!(!dir.join("wrong.eml").exists(), "nothing written");
    let unknown = run_env(&format!("2027-01:{other_secret}"), "unknown.eml");
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        text(&unknown.stderr),
        "error: the reply is sealed to the reply key \"2026-11\", which is not among your reply keys\nhint: pass the key file of \"2026-11\" with --reply-key (keep old reply keys until their messages expire)\n"
    );
    let none = Command::new(BIN)
        .args(["open-reply", "reply.waxseal"])
        .current_dir(dir)
        .env_remove("WAXSEAL_REPLY_KEYS")
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert_eq!(
        text(&none.stderr),
        "error: no reply key\nhint: pass --reply-key FILE, or set WAXSEAL_REPLY_KEYS=KEY_ID:BASE64URL\n"
    );
    // Not a reply at all.
    let not = open_reply(&s, "message.html", &["--out", "x.eml"]);
    assert_eq!(not.status.code(), Some(2));
    assert!(
        text(&not.stderr).starts_with("error: message.html: this file is not a sealed waxseal reply\nhint: give the sealed reply itself"),
        "{}",
        text(&not.stderr)
    );
}

#[tokio::test]
async fn a_reply_relayed_by_the_key_server_opens_from_the_mail_as_it_arrived() {
    use base64::Engine as _;
    let b64u = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let smtp = SmtpSink::start();
    let s = start(&smtp).await;
    let dir = s.dir.path();
    assert!(
        waxseal(&s, &["reply-key", "new", "--key-id", "k1"])
            .status
            .success()
    );
    std::fs::write(dir.join("body.txt"), "Your statement is ready.").unwrap();
    let sealed = waxseal(
        &s,
        &[
            "seal",
            "--from",
            "Alice <alice@example.com>",
            "--to",
            "bob@example.net",
            "--subject",
            "Statement",
            "--text",
            "body.txt",
            "--reply-to",
            "replies@example.com",
            "--reply-key",
            "reply-key.toml",
        ],
    );
    assert!(sealed.status.success(), "{}", text(&sealed.stderr));
    let envelope =
        waxseal_envelope::carrier::extract(&std::fs::read(dir.join("message.html")).unwrap())
            .unwrap();
    let header = waxseal_envelope::Envelope::parse(&envelope)
        .unwrap()
        .header()
        .clone();
    let id = header.id.to_string();

    // The recipient's side, as the viewer does it: passcode, token, then the sealed reply.
    let tab = waxseal_envelope::release::TabKeyPair::generate();
    let public_key = b64u(&tab.public_key());
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/v1/messages/{id}/passcode", s.url))
        .json(&serde_json::json!({"recipient": "bob@example.net", "public_key": public_key, "lang": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let passcode = Mail::parse(&smtp.next_mail()).passcode();
    let verified: serde_json::Value = http
        .post(format!("{}/v1/messages/{id}/verify", s.url))
        .json(&serde_json::json!({"recipient": "bob@example.net", "public_key": public_key, "passcode": passcode}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = verified["token"].as_str().unwrap();
    const REPLY: &[u8] = b"From: bob@example.net\r\nTo: replies@example.com\r\nSubject: Re: Statement\r\nIn-Reply-To: <statement@example.com>\r\n\r\nReceived, thank you.\r\n";
    let sealed_reply =
        waxseal_envelope::reply::seal_reply(&header, "bob@example.net", 1_790_100_000, REPLY)
            .unwrap();
    let res = http
        .post(format!(
            "{}/v1/messages/{id}/reply?public_key={public_key}",
            s.url
        ))
        .bearer_auth(token)
        .header("content-type", "application/vnd.waxseal.reply")
        .body(sealed_reply)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The organisation's side: the relay mail, opened as it arrived.
    let relay = smtp.next_mail();
    std::fs::write(dir.join("relay.eml"), &relay).unwrap();
    let opened = open_reply(&s, "relay.eml", &["--out", "answer.eml"]);
    assert!(opened.status.success(), "{}", text(&opened.stderr));
    assert_eq!(std::fs::read(dir.join("answer.eml")).unwrap(), REPLY);
    assert_eq!(
        text(&opened.stderr),
        format!(
            "A reply from bob@example.net (address verified by your key server {} by a passcode) to message {id}: {} bytes written to answer.eml\n",
            s.url,
            REPLY.len()
        )
    );
    // Checked against the organisation's own key server only: to another, the reply (which
    // names its key server itself) is not attested.
    let elsewhere = open_reply(
        &s,
        "relay.eml",
        &[
            "--out",
            "elsewhere.eml",
            "--server",
            "https://keys.other.example",
        ],
    );
    assert_eq!(elsewhere.status.code(), Some(1));
    assert_eq!(
        text(&elsewhere.stderr),
        format!(
            "error: the reply names bob@example.net as its sender, but the key server's attestation of that does not hold: the reply names the key server {}, not yours (https://keys.other.example); nothing was written\nhint: open the relay mail exactly as it arrived; --accept-unverified writes the reply anyway, with its sender unknown\n",
            s.url
        )
    );
    // A relay mail whose attested facts were changed on the way (here: how the address was
    // proved) no longer verifies, and nothing is written.
    let relay_text = String::from_utf8(relay.clone()).unwrap();
    assert!(relay_text.contains("X-Waxseal-Verified-By: passcode"));
    std::fs::write(
        dir.join("altered.eml"),
        relay_text.replace(
            "X-Waxseal-Verified-By: passcode",
            "X-Waxseal-Verified-By: sign-in",
        ),
    )
    .unwrap();
    let altered = open_reply(&s, "altered.eml", &["--out", "altered-answer.eml"]);
    assert_eq!(altered.status.code(), Some(1));
    assert!(
        text(&altered.stderr).starts_with("error: the reply names bob@example.net as its sender, but the key server's attestation of that does not hold: the key server's signature does not verify; nothing was written\n"),
        "{}",
        text(&altered.stderr)
    );
    assert!(!dir.join("altered-answer.eml").exists(), "nothing written");
    // The sender's status shows the reply.
    let status = waxseal(&s, &["status", &id]);
    assert!(
        text(&status.stdout).contains("replied securely"),
        "{}",
        text(&status.stdout)
    );
}
