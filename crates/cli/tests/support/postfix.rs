//! Postfix from Debian as the tests' MTA: a private instance (its own configuration, queue and
//! data directories in a temporary directory, loopback ports only) run in the foreground with
//! its log on stdout, so that the tests wait on what it logs, never on time. Nothing outlives
//! the test: dropping it stops the instance and removes its directory.
//!
//! The instance's main.cf and master.cf are a base written here (where it lives, that it
//! delivers everything to the test's SMTP server) followed by the deployment's own lines from
//! `crates/gateway/deploy/`, exactly as an administrator adds them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// A running Postfix instance.
pub struct Postfix {
    child: Child,
    dir: tempfile::TempDir,
    /// Where mail is submitted.
    pub port: u16,
    log: Receiver<String>,
}

/// What a Postfix instance is for.
pub enum Role {
    /// The organisation's MTA with the gateway as its after-queue content filter (deployment
    /// a): mail submitted on `port` goes to the gateway at `gateway`, which hands it back on
    /// `reinject`; everything is then delivered to `sink`.
    ContentFilter {
        gateway: u16,
        reinject: u16,
        sink: u16,
    },
    /// A hosted mail service's outbound connector (deployment b): all mail goes to the gateway
    /// as its smart host, in TLS only.
    SmartHostClient { gateway: u16 },
    /// No gateway: everything is delivered to `sink` (the benchmark's baseline).
    Alone { sink: u16 },
}

/// The deployment files shipped with the gateway.
pub fn deploy(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gateway/deploy")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The services every instance runs (Debian's master.cf, without chroot, local delivery and
/// the optional services).
const MASTER_BASE: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";

impl Postfix {
    /// Starts an instance for `role`; returns once it accepts mail.
    pub fn start(role: Role) -> Self {
        Self::start_with(role, "")
    }

    /// [`Postfix::start`] with more main.cf lines.
    pub fn start_with(role: Role, more_main_cf: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Postfix's processes run as the postfix user; they need to reach their directories.
        set_mode(root, 0o755);
        for d in ["etc", "queue", "data"] {
            std::fs::create_dir(root.join(d)).unwrap();
        }
        chown_postfix(&root.join("data"));
        let port = free_port();
        let relayhost = match &role {
            Role::ContentFilter { sink, .. } | Role::Alone { sink } => sink,
            Role::SmartHostClient { gateway } => gateway,
        };
        let mut main = format!(
            "compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.acme.example
mydomain = acme.example
myorigin = acme.example
mydestination =
local_transport = error:no local delivery here
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{relayhost}
smtp_dns_support_level = disabled
maillog_file = /dev/stdout
message_size_limit = 104857600
",
            queue = root.join("queue").display(),
            data = root.join("data").display(),
        );
        let mut master = format!("127.0.0.1:{port} inet n - n - - smtpd\n");
        match role {
            Role::ContentFilter {
                gateway, reinject, ..
            } => {
                main.push_str(
                    &deploy("postfix-content-filter/main.cf")
                        .replace("[127.0.0.1]:10025", &format!("[127.0.0.1]:{gateway}")),
                );
                master.push_str(
                    &deploy("postfix-content-filter/master.cf")
                        .replace("127.0.0.1:10026", &format!("127.0.0.1:{reinject}")),
                );
            }
            Role::SmartHostClient { .. } => {
                // What a hosted service's outbound connector does: TLS or nothing.
                main.push_str("smtp_tls_security_level = encrypt\nsmtp_tls_loglevel = 1\n");
            }
            Role::Alone { .. } => {}
        }
        main.push_str(more_main_cf);
        master.push_str(MASTER_BASE);
        std::fs::write(root.join("etc/main.cf"), main).unwrap();
        std::fs::write(root.join("etc/master.cf"), master).unwrap();

        let mut child = Command::new("postfix")
            .arg("-c")
            .arg(root.join("etc"))
            .arg("start-fg")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run postfix; run scripts/setup.sh, which installs it from Debian");
        let (tx, log) = channel();
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if std::env::var_os("WAXSEAL_TEST_POSTFIX_LOG").is_some() {
                        eprintln!("postfix: {line}");
                    }
                    let _ = tx.send(line);
                }
            });
        }
        let postfix = Self {
            child,
            dir,
            port,
            log,
        };
        // The master logs this once its listening sockets are open.
        postfix.wait_for(|l| l.contains("daemon started"));
        postfix
    }

    /// Waits for the next log line that `matches` (the bound only stops a broken test).
    pub fn wait_for(&self, matches: impl Fn(&str) -> bool) -> String {
        loop {
            let line = self
                .log
                .recv_timeout(Duration::from_secs(60))
                .expect("Postfix did not log what the test waits for");
            assert!(
                !line.contains("fatal:") && !line.contains("panic:"),
                "Postfix failed: {line}"
            );
            if matches(&line) {
                return line;
            }
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    /// Runs `postqueue -c <this instance> <flag>`; its output.
    fn postqueue(&self, flag: &str) -> Vec<u8> {
        let out = Command::new("postqueue")
            .arg("-c")
            .arg(self.config_dir())
            .arg(flag)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `postqueue -f`: deliver what waits in the queue now.
    pub fn flush(&self) {
        self.postqueue("-f");
    }

    /// What waits in the queue and why, for a failure message: `postqueue -j`'s lines (queue,
    /// arrival time, each recipient's delay reason) and the log lines not yet read that name
    /// one of those messages.
    pub fn queue_report(&self) -> String {
        let queue = String::from_utf8(self.postqueue("-j")).unwrap();
        let ids = queue_ids(&queue);
        let log: Vec<String> = self
            .log
            .try_iter()
            .filter(|line| ids.iter().any(|id| line.contains(id.as_str())))
            .collect();
        format!("{}\nits log:\n{}", queue.trim_end(), log.join("\n"))
    }

    /// The queue ids of the messages waiting in the queue (`postqueue -j`).
    pub fn queued(&self) -> Vec<String> {
        queue_ids(&String::from_utf8(self.postqueue("-j")).unwrap())
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(self.config_dir())
            .arg("abort")
            .output();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The queue ids in `postqueue -j`'s output (a JSON object per line).
fn queue_ids(queue: &str) -> Vec<String> {
    queue
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["queue_id"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown_postfix(path: &Path) {
    let out = Command::new("chown")
        .arg("postfix")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cannot give {} to the postfix user (Postfix runs as root and the postfix user): {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
