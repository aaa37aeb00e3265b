//! The SMTP service: the listening side of the gateway, on tokio, with Stalwart's `smtp-proto`
//! reading the commands and the message data (dot-stuffing, line limits) and writing the
//! answers.
//!
//! ESMTP with `PIPELINING` (every command already received is answered in one write),
//! `8BITMIME`, `SMTPUTF8`, `SIZE`, `ENHANCED-STATUSCODES` and, with a certificate configured,
//! `STARTTLS` (rustls; TLS 1.2 and 1.3; whatever a client pipelined after `STARTTLS` is
//! discarded, and the session starts afresh inside TLS), which `listen.require_tls` makes
//! mandatory before `MAIL FROM`. Hardened against slow or hostile
//! clients: only clients in `listen.allowed_networks` are served (`554` otherwise); at most
//! `listen.max_connections` at once (`421` to the next); a client silent for
//! `listen.timeout_seconds` is disconnected (`421`); a command line is read from one 64 KiB read,
//! or kept across reads only up to `smtp-proto`'s 4,096 bytes, and refused (`500`) beyond; a message larger than `listen.max_message_bytes` is read to its end without
//! being kept and refused (`552`); at most `listen.max_recipients` recipients.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use smtp_proto::request::receiver::{DataReceiver, DummyDataReceiver, RequestReceiver};
use smtp_proto::{
    EXT_8BIT_MIME, EXT_ENHANCED_STATUS_CODES, EXT_PIPELINING, EXT_SIZE, EXT_SMTP_UTF8,
    EXT_START_TLS, EhloResponse, Error as SmtpError, Request, Response,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::flow::{Gateway, Reply, Transaction};

/// Serves SMTP on `listener` until `shutdown` turns true; then stops accepting, tells clients
/// between transactions to come back later (`421`), and waits for the transactions under way to
/// end.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let listen = gateway.config().listen.clone();
    let tls = tls_acceptor(&listen).map_err(io::Error::other)?;
    // The notifications' texts, ready before the first message arrives.
    waxseal_l10n::warm_up();
    let slots = Arc::new(Semaphore::new(listen.max_connections));
    let counter = Arc::new(AtomicU64::new(0));
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let gateway = Arc::clone(&gateway);
        let slot = Arc::clone(&slots).try_acquire_owned();
        let counter = Arc::clone(&counter);
        let tls = tls.clone();
        let stopping = shutdown.clone();
        let hostname = listen.hostname.clone();
        sessions.spawn(async move {
            let mut stream = stream;
            if !gateway.config().listen.allows(peer.ip()) {
                tracing::info!(client = %peer.ip(), "client outside the allowed networks refused");
                let line = format!(
                    "554 5.7.1 {hostname}: this client's network may not send through this gateway\r\n"
                );
                let _ = stream.write_all(line.as_bytes()).await;
                return;
            }
            let Ok(slot) = slot else {
                tracing::warn!("too many connections: one refused");
                let line =
                    format!("421 4.3.2 {hostname}: too many connections; try again later\r\n");
                let _ = stream.write_all(line.as_bytes()).await;
                return;
            };
            if let Err(e) = connection(gateway, counter, tls, stream, slot, stopping).await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
        // Finished sessions are collected as the loop goes.
        while sessions.try_join_next().is_some() {}
    }
    while sessions.join_next().await.is_some() {}
    Ok(())
}

/// The TLS side of `STARTTLS`, from `listen.tls_certificate` and `listen.tls_key` (PEM): `None`
/// when none is configured.
pub fn tls_acceptor(listen: &crate::config::Listen) -> Result<Option<TlsAcceptor>, String> {
    let Some(files) = &listen.tls else {
        return Ok(None);
    };
    let chain = CertificateDer::pem_file_iter(&files.certificate)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            format!(
                "listen.tls_certificate: cannot read a PEM certificate chain from {}: {e}",
                files.certificate.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "listen.tls_certificate: {} holds no certificate",
            files.certificate.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| {
        format!(
            "listen.tls_key: cannot read a PEM private key from {}: {e}",
            files.key.display()
        )
    })?;
    let config = ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS: {e}"))?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| {
        format!("listen.tls_certificate and listen.tls_key do not make a TLS identity: {e}")
    })?;
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

/// One client: a session in clear, and after `STARTTLS` a new one inside TLS. The client's
/// connection slot is given back before its socket closes, so that a client that saw the close
/// finds the slot free.
async fn connection(
    gateway: Arc<Gateway>,
    counter: Arc<AtomicU64>,
    tls: Option<TlsAcceptor>,
    mut stream: TcpStream,
    slot: OwnedSemaphorePermit,
    stopping: watch::Receiver<bool>,
) -> io::Result<()> {
    let timeout = Duration::from_secs(gateway.config().listen.timeout_seconds);
    let mut session = Session::new(gateway, counter, tls.is_some(), stopping);
    let first = session.run(&mut stream, true).await;
    match (first, tls) {
        (Ok(Next::StartTls), Some(acceptor)) => {
            let accepted = tokio::time::timeout(timeout, acceptor.accept(stream)).await;
            let mut secure = match accepted {
                Ok(Ok(secure)) => secure,
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "TLS handshake timed out",
                    ));
                }
            };
            session.secured();
            let result = session.run(&mut secure, false).await;
            drop(slot);
            drop(secure);
            result.map(drop)
        }
        (first, _) => {
            drop(slot);
            drop(stream);
            first.map(drop)
        }
    }
}

/// Binds `listen.address` and serves until `shutdown` turns true.
pub async fn bind_and_serve(
    gateway: Arc<Gateway>,
    shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let address = gateway.config().listen.address;
    let listener = TcpListener::bind(address).await?;
    tracing::info!(%address, "listening for SMTP");
    serve(listener, gateway, shutdown).await
}

/// Where a session is.
enum State {
    /// Before `EHLO`/`HELO`.
    Greeted,
    /// Between transactions.
    Ready,
    /// After `MAIL FROM`, collecting recipients.
    Mail {
        from: String,
        recipients: Vec<String>,
        /// The size the client announced (`SIZE=`; 0: none).
        size: usize,
    },
    /// Reading the message data.
    Data {
        from: String,
        recipients: Vec<String>,
        receiver: DataReceiver,
        data: Vec<u8>,
    },
    /// Reading the rest of a message that is too large, without keeping it.
    Discarding(DummyDataReceiver),
}

struct Session {
    gateway: Arc<Gateway>,
    counter: Arc<AtomicU64>,
    state: State,
    out: Vec<u8>,
    /// Whether `STARTTLS` is offered (a certificate is configured).
    tls_offered: bool,
    /// Whether the session runs inside TLS.
    secure: bool,
    /// Turns true when the gateway stops: a client between transactions is then told and
    /// disconnected; one in a transaction finishes it first.
    stopping: watch::Receiver<bool>,
}

/// What one piece of input asks of the connection.
enum Next {
    Continue,
    Close,
    /// `STARTTLS` was accepted: the TLS handshake comes next.
    StartTls,
}

impl Session {
    fn new(
        gateway: Arc<Gateway>,
        counter: Arc<AtomicU64>,
        tls_offered: bool,
        stopping: watch::Receiver<bool>,
    ) -> Self {
        Self {
            stopping,
            gateway,
            counter,
            state: State::Greeted,
            out: Vec::with_capacity(1024),
            tls_offered,
            secure: false,
        }
    }

    /// Inside TLS now: everything said before is forgotten (RFC 3207), the client says EHLO
    /// again.
    fn secured(&mut self) {
        self.secure = true;
        self.state = State::Greeted;
        self.out.clear();
    }

    /// Serves commands until the client leaves, is disconnected, or starts TLS.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        greet: bool,
    ) -> io::Result<Next> {
        let gateway = Arc::clone(&self.gateway);
        let listen = &gateway.config().listen;
        let timeout = Duration::from_secs(listen.timeout_seconds);
        if greet {
            let greeting = format!("{} ESMTP waxseal-gateway", listen.hostname);
            self.reply(220, [0, 0, 0], &greeting);
            stream.write_all(&self.out).await?;
            self.out.clear();
        }
        let mut commands = RequestReceiver::default();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let between_transactions = matches!(self.state, State::Greeted | State::Ready);
            let mut stopping = self.stopping.clone();
            let read = tokio::select! {
                read = tokio::time::timeout(timeout, stream.read(&mut buf)) => Some(read),
                stop = stopping.wait_for(|stop| *stop), if between_transactions => {
                    drop(stop);
                    None
                }
            };
            let Some(read) = read else {
                self.reply(421, [4, 3, 2], "the gateway is stopping; try again later");
                stream.write_all(&self.out).await?;
                stream.flush().await?;
                return Ok(Next::Close);
            };
            let n = match read {
                Ok(read) => read?,
                Err(_) => {
                    self.reply(421, [4, 4, 2], "no command for too long; closing");
                    stream.write_all(&self.out).await?;
                    stream.flush().await?;
                    return Ok(Next::Close);
                }
            };
            if n == 0 {
                return Ok(Next::Close);
            }
            let mut bytes = buf[..n].iter();
            let next = self.ingest(&mut commands, &mut bytes).await;
            if !self.out.is_empty() {
                stream.write_all(&self.out).await?;
                stream.flush().await?;
                self.out.clear();
            }
            match next {
                Next::Continue => {}
                // Whatever came after STARTTLS in clear is dropped with this read's buffer.
                other => return Ok(other),
            }
        }
    }

    /// Handles everything in `bytes`: message data, then every complete command (pipelining:
    /// the answers are collected and written together).
    async fn ingest(
        &mut self,
        commands: &mut RequestReceiver,
        bytes: &mut std::slice::Iter<'_, u8>,
    ) -> Next {
        loop {
            match &mut self.state {
                State::Data { receiver, data, .. } => {
                    let max = self.gateway.config().listen.max_message_bytes;
                    let done = receiver.ingest(bytes, data);
                    if data.len() > max && !done {
                        // Too large: read to the end without keeping it, then refuse.
                        let dummy = DummyDataReceiver::new_data(receiver);
                        self.state = State::Discarding(dummy);
                        continue;
                    }
                    if !done {
                        return Next::Continue;
                    }
                    if data.len() > max {
                        self.state = State::Ready;
                        self.too_large();
                        continue;
                    }
                    let State::Data {
                        from,
                        recipients,
                        data,
                        ..
                    } = std::mem::replace(&mut self.state, State::Ready)
                    else {
                        unreachable!("the state was Data");
                    };
                    let queue_id = self.queue_id();
                    let transaction = Transaction {
                        from,
                        recipients,
                        data,
                    };
                    let reply = self.gateway.handle(&transaction, &queue_id).await;
                    self.reply_with(&reply);
                }
                State::Discarding(dummy) => {
                    if !dummy.ingest(bytes) {
                        return Next::Continue;
                    }
                    self.state = State::Ready;
                    self.too_large();
                }
                _ => match commands.ingest(bytes) {
                    Ok(request) => {
                        let request = request.into_owned();
                        match self.command(request) {
                            Next::Continue => {}
                            other => return other,
                        }
                    }
                    Err(SmtpError::NeedsMoreData { .. }) => return Next::Continue,
                    Err(e) => self.syntax_error(e),
                },
            }
        }
    }

    fn command(&mut self, request: Request<String>) -> Next {
        let gateway = Arc::clone(&self.gateway);
        let listen = &gateway.config().listen;
        match request {
            Request::Ehlo { .. } => {
                self.state = State::Ready;
                let mut ehlo = EhloResponse::new(listen.hostname.as_str());
                ehlo.capabilities = EXT_PIPELINING
                    | EXT_8BIT_MIME
                    | EXT_SMTP_UTF8
                    | EXT_SIZE
                    | EXT_ENHANCED_STATUS_CODES;
                if self.tls_offered && !self.secure {
                    ehlo.capabilities |= EXT_START_TLS;
                }
                ehlo.size = listen.max_message_bytes;
                let _ = ehlo.write(&mut self.out);
            }
            Request::Helo { .. } => {
                self.state = State::Ready;
                self.reply(250, [0, 0, 0], &listen.hostname);
            }
            Request::Lhlo { .. } => self.reply(500, [5, 5, 1], "this is SMTP, not LMTP"),
            Request::Mail { from } => match self.state {
                State::Greeted => self.reply(503, [5, 5, 1], "say EHLO first"),
                State::Mail { .. } => {
                    self.reply(503, [5, 5, 1], "a transaction is under way; RSET first")
                }
                _ if listen.require_tls && !self.secure => self.reply(
                    530,
                    [5, 7, 0],
                    "this gateway takes mail over TLS only: say STARTTLS first",
                ),
                _ if from.size > listen.max_message_bytes => self.too_large(),
                _ => {
                    self.state = State::Mail {
                        from: from.address,
                        recipients: Vec::new(),
                        size: from.size,
                    };
                    self.reply(250, [2, 1, 0], "sender ok");
                }
            },
            Request::Rcpt { to } => match &mut self.state {
                State::Mail { recipients, .. } if recipients.len() >= listen.max_recipients => {
                    self.reply(452, [4, 5, 3], "too many recipients for one message");
                }
                State::Mail { recipients, .. } => {
                    recipients.push(to.address);
                    self.reply(250, [2, 1, 5], "recipient ok");
                }
                _ => self.reply(503, [5, 5, 1], "MAIL FROM first"),
            },
            Request::Data => match std::mem::replace(&mut self.state, State::Ready) {
                State::Mail {
                    from,
                    recipients,
                    size,
                } if !recipients.is_empty() => {
                    tracing::debug!(recipients = recipients.len(), "receiving the message data");
                    // Room for what the client announced (it was checked against the limit),
                    // so that a large message is not copied as its buffer doubles.
                    self.state = State::Data {
                        from,
                        recipients,
                        receiver: DataReceiver::new(),
                        data: Vec::with_capacity(size.saturating_add(size / 64)),
                    };
                    self.reply(354, [0, 0, 0], "send the message, end with <CRLF>.<CRLF>");
                }
                State::Mail {
                    from,
                    recipients,
                    size,
                } => {
                    self.state = State::Mail {
                        from,
                        recipients,
                        size,
                    };
                    self.reply(554, [5, 5, 1], "no valid recipients");
                }
                other => {
                    self.state = other;
                    self.reply(503, [5, 5, 1], "MAIL FROM and RCPT TO first");
                }
            },
            Request::Bdat { .. } => self.reply(502, [5, 5, 1], "CHUNKING is not offered; use DATA"),
            Request::Rset => {
                if !matches!(self.state, State::Greeted) {
                    self.state = State::Ready;
                }
                self.reply(250, [2, 0, 0], "ok");
            }
            Request::Noop { .. } => self.reply(250, [2, 0, 0], "ok"),
            Request::Vrfy { .. } => {
                self.reply(252, [2, 5, 0], "cannot verify addresses; send the message")
            }
            Request::Quit => {
                self.reply(221, [2, 0, 0], "bye");
                return Next::Close;
            }
            Request::StartTls if self.secure => self.reply(503, [5, 5, 1], "TLS is already on"),
            Request::StartTls if self.tls_offered => {
                self.reply(220, [2, 0, 0], "ready to start TLS");
                return Next::StartTls;
            }
            Request::StartTls => self.reply(502, [5, 5, 1], "STARTTLS is not offered here"),
            Request::Auth { .. } => self.reply(
                502,
                [5, 5, 1],
                "AUTH is not offered; clients are allowed by network",
            ),
            other => self.reply(
                502,
                [5, 5, 1],
                &format!("{} is not offered here", other.name()),
            ),
        }
        Next::Continue
    }

    fn too_large(&mut self) {
        let max = self.gateway.config().listen.max_message_bytes;
        self.reply(
            552,
            [5, 3, 4],
            &format!("the message is larger than this gateway takes ({max} bytes)"),
        );
    }

    fn syntax_error(&mut self, e: SmtpError) {
        let (code, status, text) = match e {
            SmtpError::UnknownCommand => (500, [5, 5, 1], "unknown command".to_owned()),
            SmtpError::InvalidSenderAddress => {
                (501, [5, 1, 7], "the sender address is not valid".to_owned())
            }
            SmtpError::InvalidRecipientAddress => (
                501,
                [5, 1, 3],
                "the recipient address is not valid".to_owned(),
            ),
            SmtpError::SyntaxError { syntax } => (501, [5, 5, 4], format!("syntax: {syntax}")),
            SmtpError::InvalidParameter { param } => (
                501,
                [5, 5, 4],
                format!("the parameter {param} is not valid"),
            ),
            SmtpError::UnsupportedParameter { param } => (
                504,
                [5, 5, 4],
                format!("the parameter {param} is not offered"),
            ),
            SmtpError::ResponseTooLong => {
                (500, [5, 5, 2], "the command line is too long".to_owned())
            }
            _ => (500, [5, 5, 1], "the command could not be read".to_owned()),
        };
        self.reply(code, status, &text);
    }

    /// Adds an answer (`status` `[0, 0, 0]`: one without an enhanced status code, as the
    /// greeting and `354` have none).
    fn reply(&mut self, code: u16, status: [u8; 3], text: &str) {
        if status == [0, 0, 0] {
            self.out
                .extend_from_slice(format!("{code} {text}\r\n").as_bytes());
        } else {
            let _ = Response::new(code, status[0], status[1], status[2], text).write(&mut self.out);
        }
    }

    fn reply_with(&mut self, reply: &Reply) {
        // One line: the next hop's answer may have had line breaks.
        let text = reply.text.replace(['\r', '\n'], " ");
        self.reply(reply.code, reply.status, &text);
    }

    /// The name of a transaction in the log: the gateway's process and a counter.
    fn queue_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:x}.{n:x}", std::process::id())
    }
}
