//! Composing a MIME message from command-line parts.

use std::path::Path;

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;

/// The parts of a message given as flags.
pub struct Parts {
    /// `Name <address>` or `address`.
    pub from: String,
    /// To addresses.
    pub to: Vec<String>,
    /// Cc addresses.
    pub cc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub text: Option<String>,
    /// HTML body.
    pub html: Option<String>,
    /// Attachments: file name, content type, bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// Inline parts referenced as `cid:<file name>` from the HTML: file name, type, bytes.
    pub inline: Vec<(String, String, Vec<u8>)>,
}

/// `Name <addr>` → (Some(name), addr); `addr` → (None, addr).
pub fn split_mailbox(s: &str) -> (Option<String>, String) {
    let s = s.trim();
    match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => {
            let name = s[..i].trim().trim_matches('"').trim();
            (
                (!name.is_empty()).then(|| name.to_owned()),
                s[i + 1..s.len() - 1].trim().to_owned(),
            )
        }
        _ => (None, s.to_owned()),
    }
}

fn address(s: &str) -> Address<'static> {
    let (name, addr) = split_mailbox(s);
    Address::new_address(name, addr)
}

/// A content type from a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain",
        Some("csv") => "text/csv",
        Some("html" | "htm") => "text/html",
        Some("json") => "application/json",
        Some("zip") => "application/zip",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

impl Parts {
    /// The RFC 5322 message.
    pub fn build(self) -> Result<Vec<u8>, String> {
        let mut m = MessageBuilder::new()
            .from(address(&self.from))
            .to(Address::new_list(
                self.to.iter().map(|a| address(a)).collect(),
            ))
            .subject(self.subject);
        if !self.cc.is_empty() {
            m = m.cc(Address::new_list(
                self.cc.iter().map(|a| address(a)).collect(),
            ));
        }
        if let Some(text) = self.text {
            m = m.text_body(text);
        }
        if let Some(html) = self.html {
            m = m.html_body(html);
        }
        for (name, ct, bytes) in self.inline {
            m = m.inline(ct, name, bytes);
        }
        for (name, ct, bytes) in self.attachments {
            m = m.attachment(ct, name, bytes);
        }
        m.write_to_vec()
            .map_err(|e| format!("cannot compose the message: {e}"))
    }
}
