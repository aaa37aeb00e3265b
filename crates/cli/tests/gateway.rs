//! The mail gateway in the organisation's mail flow, with every part real: Postfix from Debian
//! (a private instance on loopback ports) with `waxseal gateway serve` as its after-queue
//! content filter or as a smart host, the key server (`waxseal serve`), and a real SMTP server
//! (aiosmtpd) standing for the Internet. The deployments' files come from
//! `crates/gateway/deploy/`, as an administrator would use them.

#[path = "../../server/tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;
#[path = "support/gateway.rs"]
mod gateway;
#[path = "support/postfix.rs"]
#[allow(dead_code)]
mod postfix;
#[path = "support/serve.rs"]
#[allow(dead_code)]
mod serve;

use std::collections::BTreeSet;
use std::str::FromStr;

use common::smtp_sink::Delivery;
use common::{Mail, SmtpSink};
use gateway::Gateway;
use lettre::address::{Address, Envelope};
use lettre::{SmtpTransport, Transport};
use mail_parser::{MessageParser, MimeHeaders};
use postfix::{Postfix, Role, deploy};
use serve::{Serve, free_port, text, waxseal};

/// A sink that takes the largest notifications (a 30 MiB message's is about 41 MiB).
fn sink() -> SmtpSink {
    SmtpSink::start_with_limit(256 << 20)
}

/// The organisation: its key server, a reply key, the gateway behind Postfix (deployment a).
struct Organisation {
    keys: Serve,
    postfix: Postfix,
    gateway: Gateway,
}

/// Starts the organisation; the key server mails through the organisation's own Postfix, or
/// straight to the sink.
async fn organisation(sink: &SmtpSink, key_server_mails_through_postfix: bool) -> Organisation {
    organisation_with(sink, key_server_mails_through_postfix, "").await
}

/// [`organisation`] with more lines in Postfix's main.cf.
async fn organisation_with(
    sink: &SmtpSink,
    key_server_mails_through_postfix: bool,
    main_cf: &str,
) -> Organisation {
    let (gateway_port, reinject) = (free_port(), free_port());
    let postfix = Postfix::start_with(
        Role::ContentFilter {
            gateway: gateway_port,
            reinject,
            sink: sink.port,
        },
        main_cf,
    );
    let keys = if key_server_mails_through_postfix {
        serve::start_with_smtp(postfix.port).await
    } else {
        serve::start(sink).await
    };
    let config = gateway::content_filter_config(&keys, gateway_port, reinject);
    let gateway = Gateway::start(keys.dir.path(), &config, &[]);
    Organisation {
        keys,
        postfix,
        gateway,
    }
}

fn submit(port: u16, to: &[&str], mail: &[u8]) {
    let envelope = Envelope::new(
        Some(Address::from_str("alice@acme.example").unwrap()),
        to.iter().map(|a| Address::from_str(a).unwrap()).collect(),
    )
    .unwrap();
    SmtpTransport::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
        // The end-of-data marker brings the last line's CRLF.
        .send_raw(&envelope, mail.strip_suffix(b"\r\n").unwrap_or(mail))
        .unwrap();
}

/// A message as a mail client submits it: the body says something only its readers may see.
fn mail(subject: &str, to: &str, cc: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Alice Jensen <alice@acme.example>\r\nTo: {to}\r\nCc: {cc}\r\nSubject: {subject}\r\nMessage-ID: <q3.{}@acme.example>\r\nIn-Reply-To: <earlier@partner.example>\r\nReferences: <start@acme.example> <earlier@partner.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        body.len()
    )
    .into_bytes()
}

const SECRET: &str = "The figures: 12 500 kr. Røde pølser.";

/// The header lines that Postfix put on top of `delivered` before `sent`, which must follow
/// them byte for byte.
fn added_on_top<'a>(delivered: &'a [u8], sent: &[u8]) -> &'a str {
    assert!(
        delivered.ends_with(sent),
        "not passed on byte for byte:\n{}",
        String::from_utf8_lossy(delivered)
    );
    std::str::from_utf8(&delivered[..delivered.len() - sent.len()]).unwrap()
}

fn sorted(list: &[String]) -> Vec<String> {
    let mut list = list.to_vec();
    list.sort();
    list
}

/// The next `n` deliveries, by their sorted envelope recipients.
fn deliveries(sink: &SmtpSink, n: usize) -> Vec<Delivery> {
    let mut got: Vec<Delivery> = (0..n).map(|_| sink.next_delivery()).collect();
    got.sort_by_key(|d| sorted(&d.to));
    got
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The `message.html` a notification carries.
fn message_html(notification: &[u8]) -> Vec<u8> {
    let parsed = MessageParser::default().parse(notification).unwrap();
    let page = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some("message.html"))
        .expect("the notification carries message.html");
    page.contents().to_vec()
}

#[tokio::test]
async fn through_postfix_tagged_mail_is_sealed_for_outsiders_and_everything_else_passes_untouched()
{
    let sink = sink();
    let org = organisation(&sink, false).await;

    // Untagged: every recipient gets the message byte for byte; Postfix adds its Received lines.
    let plain = mail(
        "Lunch on Friday",
        "bob@partner.example",
        "carol@acme.example",
        "Noon?",
    );
    submit(
        org.postfix.port,
        &["bob@partner.example", "carol@acme.example"],
        &plain,
    );
    let d = sink.next_delivery();
    assert_eq!(sorted(&d.to), ["bob@partner.example", "carol@acme.example"]);
    assert_eq!(d.from, "alice@acme.example");
    let top = added_on_top(&d.data, &plain);
    assert_eq!(top.matches("Received: ").count(), 2, "{top}");
    let line = org.gateway.wait_for(|l| l.contains("message handled"));
    assert!(line.contains("decision=\"original\""), "{line}");
    assert!(line.contains("rule=\"\""), "{line}");
    assert!(
        line.contains("recipient_domains=\"acme.example,partner.example\""),
        "{line}"
    );
    assert!(!line.contains("bob@"), "no address in the log: {line}");

    // Tagged, to outsiders in To and Cc, an insider, and an outsider in blind copy.
    let tagged = mail(
        "Q3 figures [secure]",
        "Bob <bob@partner.example>, carol@acme.example",
        "dan@example.net",
        SECRET,
    );
    submit(
        org.postfix.port,
        &[
            "bob@partner.example",
            "carol@acme.example",
            "dan@example.net",
            "eve@example.org",
        ],
        &tagged,
    );
    let got = deliveries(&sink, 3);
    let [outsiders, insider, blind] = [&got[0], &got[1], &got[2]];
    assert_eq!(
        sorted(&outsiders.to),
        ["bob@partner.example", "dan@example.net"]
    );
    assert_eq!(insider.to, ["carol@acme.example"]);
    assert_eq!(blind.to, ["eve@example.org"]);

    // The insider gets the original, tag and all.
    added_on_top(&insider.data, &tagged);
    // The outsiders get a notification: the original's sender, recipients, date and threading
    // headers, the subject without the tag, and message.html; never the content.
    for n in [outsiders, blind] {
        assert!(!contains(&n.data, SECRET), "the content went out in clear");
        assert!(!contains(&n.data, "[secure]"));
        let parsed = MessageParser::default().parse(&n.data[..]).unwrap();
        assert_eq!(parsed.subject(), Some("Q3 figures"));
        let id = format!("q3.{}@acme.example", SECRET.len());
        assert_eq!(parsed.message_id(), Some(id.as_str()));
        assert_eq!(
            parsed.in_reply_to().as_text_list().unwrap(),
            ["earlier@partner.example"]
        );
        assert_eq!(
            parsed.references().as_text_list().unwrap(),
            ["start@acme.example", "earlier@partner.example"]
        );
        assert_eq!(
            parsed.from().unwrap().first().unwrap().address(),
            Some("alice@acme.example")
        );
        let text = parsed.body_text(0).unwrap();
        assert!(
            text.starts_with("Alice Jensen of Acme Bank sent you an encrypted message."),
            "{text}"
        );
        assert!(
            text.contains("open the attached file message.html"),
            "{text}"
        );
    }
    // The blind copy is a message of its own: nobody sees Eve among the recipients.
    std::fs::write(
        org.keys.dir.path().join("eve.html"),
        message_html(&blind.data),
    )
    .unwrap();
    std::fs::write(
        org.keys.dir.path().join("outsiders.html"),
        message_html(&outsiders.data),
    )
    .unwrap();
    let inspect = |file: &str| -> serde_json::Value {
        let out = waxseal(&org.keys, &["inspect", file, "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(
        inspect("outsiders.html")["recipients"],
        serde_json::json!(["bob@partner.example", "dan@example.net"])
    );
    assert_eq!(
        inspect("eve.html")["recipients"],
        serde_json::json!(["eve@example.org"])
    );
    assert_eq!(
        inspect("eve.html")["reply"]["to"],
        serde_json::json!("replies@acme.example")
    );
    let line = org.gateway.wait_for(|l| l.contains("message handled"));
    assert!(line.contains("decision=\"seal\""), "{line}");
    assert!(line.contains("rule=\"subject tag\""), "{line}");
    assert!(line.contains("outcome=\"relayed\""), "{line}");
    assert!(line.contains("upstream_id="), "{line}");

    // Bob opens it: the message as the gateway received it, the tag gone from its subject.
    let out = open_as(&org.keys, &sink, "outsiders.html", "bob@partner.example");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let opened = std::fs::read(org.keys.dir.path().join("opened.eml")).unwrap();
    // What the gateway received: the insider's copy without the re-injection's Received line.
    let received_by_gateway = {
        let top = added_on_top(&insider.data, &tagged);
        let second = top[1..].find("\r\nReceived: ").unwrap() + 3;
        [
            &insider.data[second..insider.data.len() - tagged.len()],
            &tagged[..],
        ]
        .concat()
    };
    let expected = String::from_utf8(received_by_gateway).unwrap().replace(
        "Subject: Q3 figures [secure]\r\n",
        "Subject: Q3 figures\r\n",
    );
    assert_eq!(String::from_utf8(opened).unwrap(), expected);

    // Mail that cannot be sealed (its MIME structure is broken) bounces to its sender with the
    // reason. (Text that is not mail at all does not get here: Postfix adds the headers it
    // lacks; the gateway's own tests send it directly.)
    let broken = String::from_utf8(mail("Q4 [secure]", "bob@partner.example", "", SECRET))
        .unwrap()
        .replace(
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: multipart/mixed; boundary=\"never-there\"",
        );
    submit(
        org.postfix.port,
        &["bob@partner.example"],
        broken.as_bytes(),
    );
    let bounce = sink.next_delivery();
    assert_eq!(bounce.from, "<>", "a bounce, from the null sender");
    assert_eq!(bounce.to, ["alice@acme.example"]);
    // Postfix folds the reason into the report's lines.
    let report = String::from_utf8_lossy(&bounce.data).replace("\r\n    ", " ");
    assert!(
        report.contains("Diagnostic-Code: smtp; 554 5.7.0 the message's MIME structure is broken (a multipart/mixed part with the boundary \"never-there\" has no parts)"),
        "{report}"
    );
    assert!(sink.no_more_mail());
}

/// Runs `waxseal open FILE --recipient R --out opened.eml`, answering with the passcode.
fn open_as(s: &Serve, sink: &SmtpSink, file: &str, recipient: &str) -> std::process::Output {
    serve::open(
        s,
        sink,
        file,
        "opened.eml",
        &["--recipient", recipient, "--force"],
        |mail| vec![mail.passcode()],
    )
}

#[tokio::test]
async fn with_the_key_server_down_mail_waits_in_postfix_and_goes_sealed_once_it_is_back() {
    let sink = sink();
    let mut org = organisation(&sink, false).await;
    org.keys.stop();
    let tagged = mail("Q3 [secure]", "bob@partner.example", "", SECRET);
    submit(org.postfix.port, &["bob@partner.example"], &tagged);
    let line = org.gateway.wait_for(|l| l.contains("message handled"));
    assert!(line.contains("outcome=\"deferred\""), "{line}");
    let line = org.postfix.wait_for(|l| l.contains("status=deferred"));
    assert!(line.contains("never passed on in clear"), "{line}");
    assert_eq!(
        org.postfix.queued().len(),
        1,
        "the message waits in the queue"
    );
    assert!(sink.no_more_mail(), "nothing went out");

    org.keys.restart();
    org.postfix.flush();
    let d = sink.next_delivery();
    assert_eq!(d.to, ["bob@partner.example"]);
    assert!(!contains(&d.data, SECRET));
    message_html(&d.data);
    assert!(sink.no_more_mail());
}

#[tokio::test]
async fn a_30_mib_message_streams_through_sealed() {
    let sink = sink();
    let org = organisation(&sink, false).await;
    // 30 MiB of attachment, base64 in 76-character lines as mail clients write it.
    let mut big = String::from_utf8(mail("Archive [secure]", "bob@partner.example", "", "x"))
        .unwrap()
        .replace(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nx\r\n",
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe archive.\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"archive.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        );
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while big.len() < 30 << 20 {
        big.push_str(line);
    }
    big.push_str("--b--\r\n");
    submit(org.postfix.port, &["bob@partner.example"], big.as_bytes());
    let d = sink.next_delivery();
    assert_eq!(d.to, ["bob@partner.example"]);
    assert!(
        !contains(&d.data, "The archive."),
        "the content went out in clear"
    );
    std::fs::write(org.keys.dir.path().join("big.html"), message_html(&d.data)).unwrap();
    let out = open_as(&org.keys, &sink, "big.html", "bob@partner.example");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let opened = std::fs::read(org.keys.dir.path().join("opened.eml")).unwrap();
    let expected = big.replace("Subject: Archive [secure]\r\n", "Subject: Archive\r\n");
    assert!(
        opened.ends_with(expected.as_bytes()),
        "the 30 MiB came back byte for byte"
    );
    eprintln!(
        "30 MiB message: {} bytes in, notification {} bytes, gateway peak memory {} MiB",
        big.len(),
        d.data.len(),
        org.gateway.peak_memory() >> 20
    );
}

#[tokio::test]
async fn killed_in_the_middle_of_transfers_the_gateway_loses_nothing_and_leaks_nothing() {
    let sink = sink();
    // Postfix retries deferred mail within seconds, as a queue run would after minutes.
    let org = organisation_with(
        &sink,
        false,
        "queue_run_delay = 1s\nminimal_backoff_time = 1s\nmaximal_backoff_time = 2s\n",
    )
    .await;
    let Organisation {
        keys,
        postfix,
        gateway,
    } = org;
    let debug = [("RUST_LOG", "info,waxseal_gateway::smtp=debug")];
    // Restarted with the data of each transfer logged as it starts.
    let gateway = gateway.kill_and_restart(&debug);
    const SENT: usize = 20;
    let body = format!(
        "{SECRET}\r\n{}",
        format!("{}\r\n", "0123456789abcdef".repeat(4)).repeat(8192)
    );
    for i in 0..SENT {
        let m = String::from_utf8(mail(
            &format!("Batch {i} [secure]"),
            "bob@partner.example",
            "",
            &body,
        ))
        .unwrap()
        .replace("Message-ID: <q3.", &format!("Message-ID: <batch{i}."));
        submit(postfix.port, &["bob@partner.example"], m.as_bytes());
    }
    // One message handled, another one's data coming in: SIGKILL.
    gateway.wait_for(|l| l.contains("message handled"));
    gateway.wait_for(|l| l.contains("receiving the message data"));
    let gateway = gateway.kill_and_restart(&[]);
    let line = postfix.wait_for(|l| l.contains("status=deferred"));
    assert!(line.contains("lost connection"), "{line}");
    // No `postqueue -f` here: with other transfers still under way it can move a message that is
    // being delivered into the incoming queue, where the queue manager skips it ("still being
    // delivered") and finds it again only at its next wake-up, minutes later. The deferred
    // queue's own runs, every second here, retry it.

    let mut ids = BTreeSet::new();
    let (mut delivered, mut in_clear) = (0, 0);
    while ids.len() < SENT {
        let Some(d) = sink.next_delivery_within(std::time::Duration::from_secs(60)) else {
            panic!(
                "{} of {SENT} delivered; still in Postfix's queue:\n{}",
                ids.len(),
                postfix.queue_report()
            );
        };
        delivered += 1;
        if contains(&d.data, SECRET) {
            in_clear += 1;
        }
        let parsed = MessageParser::default().parse(&d.data[..]).unwrap();
        ids.insert(parsed.message_id().unwrap().to_owned());
    }
    let lost = SENT - ids.len();
    eprintln!(
        "sent {SENT}, delivered {delivered} ({} duplicates), lost {lost}, in clear {in_clear}",
        delivered - ids.len()
    );
    assert_eq!((lost, in_clear), (0, 0));
    assert!(postfix.queued().is_empty());
    drop((gateway, keys));
}

#[tokio::test]
async fn a_secure_reply_arrives_decrypted_in_the_senders_mailbox_through_the_same_postfix() {
    let sink = sink();
    // The key server mails passcodes and replies through the organisation's Postfix.
    let org = organisation(&sink, true).await;
    submit(
        org.postfix.port,
        &["bob@partner.example"],
        &mail("Q3 [secure]", "bob@partner.example", "", SECRET),
    );
    let notification = sink.next_delivery();
    let page = message_html(&notification.data);
    let envelope = waxseal_envelope::carrier::extract(&page).unwrap();
    let header = waxseal_envelope::Envelope::parse(&envelope)
        .unwrap()
        .header()
        .clone();

    // Bob proves his address (the passcode comes through Postfix and the gateway, untouched)
    // and replies from the viewer's tab.
    let http = reqwest::Client::new();
    let tab = waxseal_envelope::release::TabKeyPair::generate();
    let public_key = common::b64u(&tab.public_key());
    let id = header.id.to_string();
    let url = &org.keys.url;
    let post = |path: String, body: serde_json::Value| {
        let http = http.clone();
        async move {
            let res = http.post(path).json(&body).send().await.unwrap();
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    post(
        format!("{url}/v1/messages/{id}/passcode"),
        serde_json::json!({"recipient": "bob@partner.example", "public_key": public_key, "lang": "en"}),
    )
    .await;
    let passcode = Mail::parse(&sink.next_mail()).passcode();
    let token = post(
        format!("{url}/v1/messages/{id}/verify"),
        serde_json::json!({"recipient": "bob@partner.example", "public_key": public_key, "passcode": passcode}),
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // As the viewer writes it.
    let reply = b"From: bob@partner.example\r\nTo: replies@acme.example\r\nSubject: Re: Q3\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <r1@partner.example>\r\nIn-Reply-To: <q3.36@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFigures received, thank you.\r\n";
    let sealed = waxseal_envelope::reply::seal_reply(
        &header,
        "bob@partner.example",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        reply,
    )
    .unwrap();
    let res = http
        .post(format!(
            "{url}/v1/messages/{id}/reply?public_key={public_key}"
        ))
        .bearer_auth(&token)
        .header("content-type", "application/vnd.waxseal.reply")
        .body(sealed)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());

    // The relay mail went through Postfix into the gateway, which opened it.
    let d = sink.next_delivery();
    assert_eq!(d.to, ["replies@acme.example"]);
    let delivered = String::from_utf8(d.data).unwrap();
    assert!(
        delivered.ends_with(&format!(
            "X-Waxseal-Verified-Replier: bob@partner.example\r\nX-Waxseal-Verified-By: passcode\r\n{}",
            std::str::from_utf8(reply).unwrap()
        )),
        "{delivered}"
    );
    let line = org
        .gateway
        .wait_for(|l| l.contains("decision=\"secure reply\""));
    assert!(line.contains("reply=\"opened\""), "{line}");
}

#[tokio::test]
async fn as_a_hosted_services_smart_host_it_takes_mail_in_tls_only_and_seals_it() {
    let sink = sink();
    let keys = serve::start(&sink).await;
    let dir = keys.dir.path();
    std::fs::write(dir.join("gateway-api-key"), &keys.api_key).unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["gateway.acme.example".into()]).unwrap();
    std::fs::write(dir.join("gateway.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("gateway.key"), cert.key_pair.serialize_pem()).unwrap();
    let port = free_port();
    let config = deploy("smart-host/waxseal-gateway.toml")
        .replace("https://keys.acme.example", &keys.url)
        .replace("/etc/waxseal/", &format!("{}/", dir.display()))
        .replace("0.0.0.0:25", &format!("127.0.0.1:{port}"))
        .replace(
            "allowed_networks = [",
            "allowed_networks = [\"127.0.0.0/8\", ",
        )
        .replace("127.0.0.1:2525", &format!("127.0.0.1:{}", sink.port));
    let gateway = Gateway::start(dir, &config, &[]);
    // The hosted service: a Postfix whose outbound connector is the gateway, TLS required.
    let service = Postfix::start(Role::SmartHostClient { gateway: port });

    submit(
        service.port,
        &["bob@partner.example", "carol@acme.example"],
        &mail(
            "Q3 [secure]",
            "bob@partner.example",
            "carol@acme.example",
            SECRET,
        ),
    );
    let got = deliveries(&sink, 2);
    assert_eq!(got[0].to, ["bob@partner.example"]);
    assert!(!contains(&got[0].data, SECRET));
    message_html(&got[0].data);
    assert_eq!(got[1].to, ["carol@acme.example"]);
    assert!(contains(&got[1].data, SECRET));
    // It went in TLS.
    service.wait_for(|l| {
        l.contains(&format!(
            "TLS connection established to 127.0.0.1[127.0.0.1]:{port}"
        ))
    });
    let line = service.wait_for(|l| l.contains("status=sent"));
    assert!(
        line.contains(&format!("relay=127.0.0.1[127.0.0.1]:{port}")),
        "{line}"
    );

    // A client that does not start TLS is refused before it sends anything.
    let e = SmtpTransport::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
        .send_raw(
            &Envelope::new(
                Some(Address::from_str("alice@acme.example").unwrap()),
                vec![Address::from_str("bob@partner.example").unwrap()],
            )
            .unwrap(),
            b"Subject: hello\r\n\r\nhi\r\n",
        )
        .unwrap_err();
    assert!(e.to_string().contains("530"), "{e}");
    drop(gateway);
}
