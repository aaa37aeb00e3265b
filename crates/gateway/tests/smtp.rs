//! The SMTP service against real clients: lettre's SMTP client and plain TCP for the protocol's
//! edges, with a real SMTP server (aiosmtpd) as the next hop.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener as StdListener, TcpStream};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use tokio::sync::watch;
use waxseal_gateway::config::Config;
use waxseal_gateway::flow::Gateway;
use waxseal_gateway::smtp;

#[path = "../../server/tests/common/smtp_sink.rs"]
mod smtp_sink;
use smtp_sink::SmtpSink;
#[path = "support/relay.rs"]
mod relay;

/// A gateway serving on a free loopback port, handing on to `next_hop`; `listen` adds lines to
/// its `[listen]` section. Stops when dropped.
struct Running {
    port: u16,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn start(next_hop: u16, listen: &str) -> Running {
    start_with(next_hop, listen, "")
}

/// [`start`] with more sections (`[inbound]`). Its key server is down: a message to be sealed
/// waits with the sender (sealing itself is tested through Postfix, in the CLI's tests).
fn start_with(next_hop: u16, listen: &str, more: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let api_key = dir.path().join("api-key");
    std::fs::write(&api_key, "wxs_test").unwrap();
    let text = format!(
        "[organisation]\nname = \"Acme Bank\"\ninternal_domains = [\"acme.example\"]\n\n[seal]\nkey_server = \"http://127.0.0.1:{}\"\napi_key_file = {api_key:?}\n\n[[rule]]\nname = \"subject tag\"\nsubject_tag = \"[secure]\"\n\n[listen]\nhostname = \"gateway.acme.example\"\n{listen}\n\n[next_hop]\naddress = \"127.0.0.1:{next_hop}\"\n{more}",
        closed_port()
    );
    let config = Config::parse(&text).unwrap();
    let (runtime, listener) = bound();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = watch::channel(false);
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            // The connection to the next hop lives on the runtime.
            let gateway = Arc::new(Gateway::new(config).unwrap());
            smtp::serve(listener, gateway, stopped).await.unwrap()
        })
    });
    Running {
        port,
        stop,
        thread: Some(thread),
        _dir: dir,
    }
}

/// A runtime for a server, and a free loopback port bound for it before it starts (connections
/// wait in the backlog: no readiness poll).
fn bound() -> (tokio::runtime::Runtime, tokio::net::TcpListener) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    (runtime, listener)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What the next hop must receive for `mail`.
fn received(mail: &[u8]) -> Vec<u8> {
    [mail, b"\r\n"].concat()
}

fn lettre_client(port: u16) -> SmtpTransport {
    SmtpTransport::builder_dangerous("127.0.0.1")
        .port(port)
        .timeout(Some(Duration::from_secs(30)))
        .build()
}

fn envelope(to: &[&str]) -> Envelope {
    Envelope::new(
        Some(Address::from_str("alice@acme.example").unwrap()),
        to.iter().map(|a| Address::from_str(a).unwrap()).collect(),
    )
    .unwrap()
}

/// A message as SMTP clients hand it over (lettre: without the last line's CRLF, which the
/// end-of-data marker supplies); the next hop receives it with that CRLF.
fn mail(subject: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@acme.example>\r\nTo: bob@partner.example, carol@acme.example\r\nSubject: {subject}\r\nMessage-ID: <m1@acme.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nThe figures: 12 500 kr.\r\n.A line that starts with a dot.\r\nRøde pølser."
    )
    .into_bytes()
}

/// A client speaking SMTP over plain TCP, one reply at a time.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // Only a bound for a broken test: every read waits for an answer the server sends.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Self {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// The next reply, its lines joined with `\n`; empty once the server closed.
    fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                break;
            }
        }
        lines.join("\n")
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }
}

#[test]
fn untagged_mail_passes_byte_identical_and_mail_to_be_sealed_is_never_passed_in_clear() {
    let sink = SmtpSink::start();
    let gateway = start(sink.port, "");
    let client = lettre_client(gateway.port);
    let to = ["bob@partner.example", "carol@acme.example"];

    let plain = mail("Lunch on Friday");
    client.send_raw(&envelope(&to), &plain).unwrap();
    assert_eq!(
        sink.next_mail(),
        received(&plain),
        "the next hop got the message as it was sent"
    );

    // The rule says seal and the key server is down: the upstream MTA is told to keep it
    // (451), and nothing goes on.
    let tagged = mail("Q3 figures [secure]");
    let e = client.send_raw(&envelope(&to), &tagged).unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(e.to_string().contains("451"), "{e}");
    assert!(e.to_string().contains("never passed on in clear"), "{e}");

    // Not a mail message: refused for good, with the reason.
    let e = client
        .send_raw(&envelope(&to), b"just some text")
        .unwrap_err();
    assert!(e.is_permanent(), "{e}");
    assert!(e.to_string().contains("not a mail message"), "{e}");
    assert!(sink.no_more_mail());
}

#[test]
fn the_protocol_pipelined_with_its_limits() {
    let sink = SmtpSink::start();
    let gateway = start(sink.port, "max_message_bytes = 2000\nmax_recipients = 2");
    let mut c = Client::connect(gateway.port);
    assert_eq!(c.reply(), "220 gateway.acme.example ESMTP waxseal-gateway");
    // Every command in one write; every answer comes, in order.
    c.send("EHLO client.acme.example\r\nMAIL FROM:<alice@acme.example> SIZE=100\r\nRCPT TO:<bob@partner.example>\r\nRCPT TO:<carol@acme.example>\r\nRCPT TO:<dan@acme.example>\r\nDATA\r\n");
    let ehlo = c.reply();
    for capability in [
        "PIPELINING",
        "8BITMIME",
        "SMTPUTF8",
        "SIZE 2000",
        "ENHANCEDSTATUSCODES",
    ] {
        assert!(
            ehlo.lines().any(|l| &l[4..] == capability),
            "{capability} in {ehlo}"
        );
    }
    assert_eq!(c.reply(), "250 2.1.0 sender ok");
    assert_eq!(c.reply(), "250 2.1.5 recipient ok");
    assert_eq!(c.reply(), "250 2.1.5 recipient ok");
    assert_eq!(c.reply(), "452 4.5.3 too many recipients for one message");
    assert_eq!(c.reply(), "354 send the message, end with <CRLF>.<CRLF>");
    let message = String::from_utf8(mail("Hello"))
        .unwrap()
        .replace("\r\n.", "\r\n..");
    c.send(&format!("{message}\r\n.\r\n"));
    assert!(c.reply().starts_with("250 2.0.0 queued as "));
    assert_eq!(
        sink.next_mail(),
        received(&mail("Hello")),
        "dot-stuffing undone"
    );

    // Too large, announced: refused at MAIL FROM; sent anyway: read to its end and refused.
    c.send("MAIL FROM:<alice@acme.example> SIZE=5000\r\n");
    assert_eq!(
        c.reply(),
        "552 5.3.4 the message is larger than this gateway takes (2000 bytes)"
    );
    c.send("MAIL FROM:<alice@acme.example>\r\nRCPT TO:<bob@partner.example>\r\nDATA\r\n");
    assert_eq!(c.reply(), "250 2.1.0 sender ok");
    assert_eq!(c.reply(), "250 2.1.5 recipient ok");
    assert!(c.reply().starts_with("354 "));
    // Larger than one read: the rest is read without being kept.
    let line = format!("{}\r\n", "x".repeat(998));
    c.send(&format!("Subject: big\r\n\r\n{}.\r\n", line.repeat(200)));
    assert_eq!(
        c.reply(),
        "552 5.3.4 the message is larger than this gateway takes (2000 bytes)"
    );

    // Out of order, unknown, and the end.
    c.send("RCPT TO:<bob@partner.example>\r\nDATA\r\nHELLO\r\nMAIL FROM:<not an address\r\nNOOP\r\nQUIT\r\n");
    assert_eq!(c.reply(), "503 5.5.1 MAIL FROM first");
    assert_eq!(c.reply(), "503 5.5.1 MAIL FROM and RCPT TO first");
    assert_eq!(c.reply(), "500 5.5.1 unknown command");
    assert!(c.reply().starts_with("501 "));
    assert_eq!(c.reply(), "250 2.0.0 ok");
    assert_eq!(c.reply(), "221 2.0.0 bye");
    assert_eq!(c.reply(), "", "closed");
    assert!(sink.no_more_mail());
}

#[test]
fn a_command_line_longer_than_the_limit_is_refused_and_the_session_goes_on() {
    let gateway = start(closed_port(), "");
    let mut c = Client::connect(gateway.port);
    assert!(c.reply().starts_with("220 "));
    // Longer than a read: never held whole, refused, and nothing of it runs as a command.
    c.send(&format!("NOOP {}\r\nQUIT\r\n", "a".repeat(200_000)));
    let mut answers = Vec::new();
    loop {
        let reply = c.reply();
        if reply.is_empty() {
            break;
        }
        answers.push(reply);
    }
    assert_eq!(
        answers.first().map(String::as_str),
        Some("500 5.5.2 the command line is too long")
    );
    assert_eq!(answers.last().map(String::as_str), Some("221 2.0.0 bye"));
    assert!(
        answers[..answers.len() - 1]
            .iter()
            .all(|a| a.starts_with("500 ")),
        "{answers:?}"
    );
}

#[test]
fn clients_outside_the_allowed_networks_are_refused() {
    let gateway = start(closed_port(), "allowed_networks = [\"192.0.2.0/24\"]");
    let mut c = Client::connect(gateway.port);
    assert_eq!(
        c.reply(),
        "554 5.7.1 gateway.acme.example: this client's network may not send through this gateway"
    );
    assert_eq!(c.reply(), "", "closed");
}

#[test]
fn connections_beyond_the_cap_are_told_to_come_back_and_silent_clients_are_dropped() {
    let gateway = start(closed_port(), "max_connections = 1\ntimeout_seconds = 1");
    let mut first = Client::connect(gateway.port);
    assert!(first.reply().starts_with("220 "));
    let mut second = Client::connect(gateway.port);
    assert_eq!(
        second.reply(),
        "421 4.3.2 gateway.acme.example: too many connections; try again later"
    );
    // The first client says nothing: after the timeout it is told and disconnected.
    assert_eq!(first.reply(), "421 4.4.2 no command for too long; closing");
    assert_eq!(first.reply(), "");
    // Its place is free again.
    let mut third = Client::connect(gateway.port);
    assert!(third.reply().starts_with("220 "));
}

#[test]
fn stopping_tells_idle_clients_and_lets_a_transaction_under_way_finish() {
    let sink = SmtpSink::start();
    let gateway = start(sink.port, "");
    let mut idle = Client::connect(gateway.port);
    assert!(idle.reply().starts_with("220 "));
    let mut busy = Client::connect(gateway.port);
    assert!(busy.reply().starts_with("220 "));
    busy.send("EHLO client.acme.example\r\nMAIL FROM:<alice@acme.example>\r\nRCPT TO:<carol@acme.example>\r\nDATA\r\n");
    busy.reply();
    assert_eq!(busy.reply(), "250 2.1.0 sender ok");
    assert_eq!(busy.reply(), "250 2.1.5 recipient ok");
    assert!(busy.reply().starts_with("354 "));

    gateway.stop.send(true).unwrap();
    assert_eq!(
        idle.reply(),
        "421 4.3.2 the gateway is stopping; try again later"
    );
    assert_eq!(idle.reply(), "", "closed");
    // The transaction under way is finished and handed on.
    let late = String::from_utf8(mail("Late"))
        .unwrap()
        .replace("\r\n.", "\r\n..");
    busy.send(&format!("{late}\r\n.\r\n"));
    assert!(busy.reply().starts_with("250 2.0.0 queued as "));
    assert_eq!(sink.next_mail(), received(&mail("Late")));
    assert_eq!(
        busy.reply(),
        "421 4.3.2 the gateway is stopping; try again later"
    );
    // Once stopped, the port takes no connection.
    let port = gateway.port;
    drop(gateway);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn the_next_hop_down_keeps_the_message_with_the_sender() {
    let gateway = start(closed_port(), "");
    let e = lettre_client(gateway.port)
        .send_raw(&envelope(&["carol@acme.example"]), &mail("Lunch"))
        .unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(e.to_string().contains("451"), "{e}");
    assert!(e.to_string().contains("try again later"), "{e}");
}

/// A private CA and a "localhost" certificate it signed, as PEM files in `dir`: the CA's path.
fn tls_files(dir: &std::path::Path) -> std::path::PathBuf {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    std::fs::write(dir.join("cert.pem"), leaf.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    dir.join("ca.pem")
}

#[test]
fn starttls_carries_the_mail_and_mail_in_clear_is_refused_when_tls_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let ca = tls_files(dir.path());
    let sink = SmtpSink::start();
    let gateway = start(
        sink.port,
        &format!(
            "tls_certificate = {:?}\ntls_key = {:?}\nrequire_tls = true",
            dir.path().join("cert.pem"),
            dir.path().join("key.pem")
        ),
    );

    // In clear: STARTTLS is offered, and mail is refused until it is used.
    let mut c = Client::connect(gateway.port);
    assert!(c.reply().starts_with("220 "));
    c.send("EHLO client.acme.example\r\nMAIL FROM:<alice@acme.example>\r\n");
    assert!(c.reply().lines().any(|l| &l[4..] == "STARTTLS"));
    assert_eq!(
        c.reply(),
        "530 5.7.0 this gateway takes mail over TLS only: say STARTTLS first"
    );

    // A client that checks the certificate against the organisation's CA.
    let tls = TlsParameters::builder("localhost".into())
        .add_root_certificate(Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap())
        .build_rustls()
        .unwrap();
    let client = SmtpTransport::builder_dangerous("localhost")
        .port(gateway.port)
        .tls(Tls::Required(tls))
        .timeout(Some(Duration::from_secs(30)))
        .build();
    let plain = mail("Over TLS");
    client
        .send_raw(&envelope(&["carol@acme.example"]), &plain)
        .unwrap();
    assert_eq!(sink.next_mail(), received(&plain));

    // A client that does not trust that certificate gets no further.
    let untrusting = SmtpTransport::builder_dangerous("localhost")
        .port(gateway.port)
        .tls(Tls::Required(
            TlsParameters::builder("localhost".into())
                .build_rustls()
                .unwrap(),
        ))
        .timeout(Some(Duration::from_secs(30)))
        .build();
    assert!(
        untrusting
            .send_raw(&envelope(&["carol@acme.example"]), &plain)
            .is_err()
    );
    assert!(sink.no_more_mail());
}

/// The real key server, on a free loopback port with a temporary database, for its relay keys
/// (`GET /v1/relay-keys`); stops when dropped.
struct KeyServer {
    origin: String,
    master_key: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _thread: std::thread::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl KeyServer {
    fn start(smtp_port: u16) -> Self {
        use base64::Engine as _;
        let dir = tempfile::tempdir().unwrap();
        let master_key = format!(
            "k1:{}",
            base64::engine::general_purpose::STANDARD.encode([0x42u8; 32])
        );
        let config = waxseal_server::config::Config::from_toml_and_env(
            &format!(
                "listen = \"127.0.0.1:0\"\npublic_origin = \"http://127.0.0.1:1\"\ndatabase_url = \"sqlite://{}\"\nmaster_keys = [\"{master_key}\"]\n[mail]\nmode = \"smtp\"\nfrom = \"waxseal <no-reply@keys.acme.example>\"\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"plain\"\n",
                dir.path().join("keys.db").display()
            ),
            |_| None,
        )
        .unwrap();
        let (runtime, listener) = bound();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime
                .block_on(waxseal_server::serve(config, listener, async {
                    let _ = stopped.await;
                }))
                .unwrap()
        });
        Self {
            origin,
            master_key,
            _stop: stop,
            _thread: thread,
            _dir: dir,
        }
    }

    /// Signs a relay statement as this server does (its master key's relay key).
    fn sign(&self, statement: &[u8]) -> (String, [u8; 64]) {
        use waxseal_server::secrets::{MasterKeys, Secret};
        MasterKeys::parse(&[Secret::new(self.master_key.clone())])
            .unwrap()
            .relay_sign(statement)
    }
}

#[test]
fn secure_replies_arrive_decrypted_when_the_key_server_attests_them_and_sealed_with_a_note_when_not()
 {
    use waxseal_envelope::reply::{ReplyKeyPair, seal_reply};
    use waxseal_envelope::{Envelope, SealParams, Sender, seal};
    let sink = SmtpSink::start();
    let key_server = KeyServer::start(sink.port);
    let dir = tempfile::tempdir().unwrap();
    let key = ReplyKeyPair::generate("2026-11").unwrap();
    let key_file = dir.path().join("reply-key.toml");
    {
        use base64::Engine as _;
        let b64u = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        std::fs::write(
            &key_file,
            format!(
                "key_id = \"2026-11\"\npublic_key = \"{}\"\nsecret = \"{}\"\n",
                b64u(&key.public_key()),
                b64u(&key.secret_bytes()[..])
            ),
        )
        .unwrap();
    }
    let gateway = start_with(
        sink.port,
        "",
        &format!(
            "[inbound]\nkey_server = \"{}\"\nreply_keys = [{:?}]\n",
            key_server.origin, key_file
        ),
    );
    // The original message, sealed with the organisation's key server and reply key, and Bob's
    // reply to it.
    let original = seal(
        &SealParams {
            key_server: key_server.origin.clone(),
            from: Sender {
                address: "ann@acme.example".into(),
                name: None,
            },
            recipients: vec!["bob@example.net".into()],
            created: 1_790_000_000,
            expires: 1_790_604_800,
            reply: Some(key.reply_to("ann@acme.example")),
        },
        b"Subject: Q3\r\n\r\nhello",
    )
    .unwrap();
    let header = Envelope::parse(&original.envelope)
        .unwrap()
        .header()
        .clone();
    let reply = b"From: bob@example.net\r\nTo: ann@acme.example\r\nSubject: Re: Q3\r\n\r\nFigures received.\r\n";
    let sealed = seal_reply(&header, "bob@example.net", 1_790_000_400, reply).unwrap();
    let client = lettre_client(gateway.port);
    let to_ann = relay_envelope();

    // Attested by the key server: Ann gets Bob's own message, headed by who sent it.
    let attested = relay::relay_mail(
        &header,
        &sealed,
        &|m| key_server.sign(m),
        "passcode",
        "bob@example.net",
    );
    client
        .send_raw(&to_ann, without_last_crlf(&attested))
        .unwrap();
    let delivered = sink.next_mail();
    assert_eq!(
        delivered,
        [
            &b"X-Waxseal-Verified-Replier: bob@example.net\r\nX-Waxseal-Verified-By: passcode\r\n"
                [..],
            &reply[..]
        ]
        .concat()
    );

    // Signed by anyone else: delivered as it came, with the note, never dropped.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let forged = relay::relay_mail(
        &header,
        &sealed,
        &|m| {
            use ed25519_dalek::Signer as _;
            ("k1".into(), stranger.sign(m).to_bytes())
        },
        "passcode",
        "bob@example.net",
    );
    client
        .send_raw(&to_ann, without_last_crlf(&forged))
        .unwrap();
    let delivered = String::from_utf8(sink.next_mail()).unwrap();
    assert!(
        delivered.starts_with(
            "X-Waxseal-Reply-Problem: the reply's sender is not attested by the key server"
        ),
        "{delivered}"
    );
    assert!(delivered.ends_with(&String::from_utf8(forged).unwrap()));
    assert!(!delivered.contains("Figures received"));
}

/// The envelope of a relay mail: from the key server to Ann.
fn relay_envelope() -> Envelope {
    Envelope::new(
        Some(Address::from_str("no-reply@keys.acme.example").unwrap()),
        vec![Address::from_str("ann@acme.example").unwrap()],
    )
    .unwrap()
}

/// A mail as lettre hands it over: without the last line's CRLF (see [`mail`]).
fn without_last_crlf(mail: &[u8]) -> &[u8] {
    mail.strip_suffix(b"\r\n").unwrap_or(mail)
}
