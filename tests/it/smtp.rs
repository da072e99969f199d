//! A real SMTP server, run in-process on a free port: it speaks enough of RFC 5321 for lettre,
//! keeps every message that arrives, and lets a test wait for one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_parser::MessageParser;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct ReceivedEmail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl ReceivedEmail {
    /// The first link in the plain-text part that contains `fragment`.
    pub fn link_containing(&self, fragment: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(fragment))
            .unwrap_or_else(|| panic!("no link with {fragment:?} in email:\n{}", self.text))
            .to_string()
    }
}

#[derive(Clone, Default)]
pub struct SmtpServer {
    inbox: Arc<Mutex<Vec<ReceivedEmail>>>,
    /// Recipients this server refuses, with the reply it gives (`550 ...`).
    refused: Arc<Mutex<Vec<(String, String)>>>,
    arrived: Arc<Notify>,
    pub port: u16,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener).await
    }

    pub async fn start_on(listener: TcpListener) -> Self {
        let server = SmtpServer { port: listener.local_addr().unwrap().port(), ..Default::default() };
        let handle = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handle = handle.clone();
                tokio::spawn(async move {
                    let _ = handle.session(stream).await;
                });
            }
        });
        server
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 portico-test ESMTP\r\n").await?;
        let mut recipients = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            if command.starts_with("EHLO") {
                write.write_all(b"250-portico-test\r\n250 8BITMIME\r\n").await?;
            } else if command.starts_with("HELO")
                || command.starts_with("MAIL FROM")
                || command.starts_with("RSET")
                || command.starts_with("NOOP")
            {
                if command.starts_with("RSET") {
                    recipients.clear();
                }
                write.write_all(b"250 OK\r\n").await?;
            } else if command.starts_with("RCPT TO") {
                let addr =
                    line.trim_end()[8..].trim().trim_start_matches('<').trim_end_matches('>').to_lowercase();
                let refusal =
                    self.refused.lock().unwrap().iter().find(|(a, _)| *a == addr).map(|r| r.1.clone());
                match refusal {
                    Some(reply) => write.write_all(format!("{reply}\r\n").as_bytes()).await?,
                    None => {
                        recipients.push(addr);
                        write.write_all(b"250 OK\r\n").await?;
                    }
                }
            } else if command == "DATA" {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut raw = Vec::new();
                loop {
                    let mut data = String::new();
                    if lines.read_line(&mut data).await? == 0 {
                        return Ok(());
                    }
                    if data == ".\r\n" || data == ".\n" {
                        break;
                    }
                    let unstuffed = data.strip_prefix('.').unwrap_or(&data);
                    raw.extend_from_slice(unstuffed.as_bytes());
                }
                self.store(std::mem::take(&mut recipients), &raw);
                write.write_all(b"250 OK: queued\r\n").await?;
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                write.write_all(b"502 Command not implemented\r\n").await?;
            }
        }
    }

    fn store(&self, to: Vec<String>, raw: &[u8]) {
        let parsed = MessageParser::default().parse(raw).expect("a parsable email");
        let email = ReceivedEmail {
            to,
            subject: parsed.subject().unwrap_or_default().to_string(),
            text: parsed.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
            html: parsed.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
        };
        self.inbox.lock().unwrap().push(email);
        self.arrived.notify_waiters();
    }

    /// From now on, mail to `to` is refused with `reply` (such as `550 5.1.1 no such mailbox`).
    pub fn refuse(&self, to: &str, reply: &str) {
        self.refused.lock().unwrap().push((to.to_lowercase(), reply.to_string()));
    }

    pub fn all(&self) -> Vec<ReceivedEmail> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) for the `n`-th message (1-based) addressed to `to`.
    pub async fn nth_to(&self, to: &str, n: usize) -> ReceivedEmail {
        let to = to.to_lowercase();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            let found: Vec<_> = self.all().into_iter().filter(|m| m.to.contains(&to)).collect();
            if found.len() >= n {
                return found[n - 1].clone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("no email #{n} to {to} arrived; inbox: {:#?}", self.all());
            }
        }
    }

    pub async fn first_to(&self, to: &str) -> ReceivedEmail {
        self.nth_to(to, 1).await
    }

    pub fn count_to(&self, to: &str) -> usize {
        let to = to.to_lowercase();
        self.all().iter().filter(|m| m.to.contains(&to)).count()
    }
}
