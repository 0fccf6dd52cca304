//! A minimal LSP client for tests: frames JSON-RPC messages with
//! `Content-Length` headers over any byte streams (in-memory pipes to an
//! in-process server, or a child process's stdin/stdout), answers the
//! server's own requests, and collects its notifications.
//!
//! Every wait has a generous deadline so that a broken server fails the
//! test instead of hanging it; no test asserts on how long anything took.

#![allow(dead_code)] // each test binary uses a different part of it

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, mpsc, oneshot};

/// How long any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>;

pub struct Client {
    writer: mpsc::UnboundedSender<Value>,
    pending: Pending,
    next_id: i64,
    notifications: Arc<Mutex<Vec<Value>>>,
    notified: Arc<Notify>,
    /// Requests the server sent us, by method (e.g. client/registerCapability).
    pub server_requests: Arc<Mutex<Vec<Value>>>,
}

impl Client {
    pub fn new<R, W>(reader: R, writer: W) -> Client
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        let mut writer = writer;
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let body = serde_json::to_vec(&message).expect("serialisable");
                let header = format!("Content-Length: {}\r\n\r\n", body.len());
                if writer.write_all(header.as_bytes()).await.is_err()
                    || writer.write_all(&body).await.is_err()
                    || writer.flush().await.is_err()
                {
                    return;
                }
            }
        });
        let pending: Pending = Arc::default();
        let notifications: Arc<Mutex<Vec<Value>>> = Arc::default();
        let notified = Arc::new(Notify::new());
        let server_requests: Arc<Mutex<Vec<Value>>> = Arc::default();
        {
            let pending = Arc::clone(&pending);
            let notifications = Arc::clone(&notifications);
            let notified = Arc::clone(&notified);
            let server_requests = Arc::clone(&server_requests);
            let answer = tx.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(reader);
                while let Some(message) = read_message(&mut reader).await {
                    if message.get("method").is_some() {
                        if let Some(id) = message.get("id") {
                            // A request from the server: answer it with null,
                            // which every request we receive accepts.
                            let _ =
                                answer.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                            server_requests.lock().unwrap().push(message);
                        } else {
                            notifications.lock().unwrap().push(message);
                            notified.notify_waiters();
                        }
                    } else if let Some(id) = message.get("id").and_then(Value::as_i64) {
                        if let Some(waiter) = pending.lock().unwrap().remove(&id) {
                            let _ = waiter.send(message);
                        }
                    }
                }
                notified.notify_waiters();
            });
        }
        Client {
            writer: tx,
            pending,
            next_id: 1,
            notifications,
            notified,
            server_requests,
        }
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        let mut message = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if !params.is_null() {
            message["params"] = params;
        }
        self.writer.send(message).expect("writer alive");
        tokio::time::timeout(DEADLINE, rx)
            .await
            .unwrap_or_else(|_| panic!("no response to {method} within {DEADLINE:?}"))
            .unwrap_or_else(|_| panic!("the server closed the connection during {method}"))
    }

    /// Sends a request and returns its `result`, failing on an error.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params).await;
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    pub fn notify(&self, method: &str, params: impl Into<Value>) {
        let mut message = json!({"jsonrpc": "2.0", "method": method});
        let params = params.into();
        if !params.is_null() {
            message["params"] = params;
        }
        self.writer.send(message).expect("writer alive");
    }

    /// Waits for a notification satisfying `pred` (among those received so
    /// far or later) and returns it.
    pub async fn wait_notification(&self, pred: impl Fn(&Value) -> bool) -> Value {
        let wait = async {
            loop {
                let notified = self.notified.notified();
                if let Some(found) = self.notifications.lock().unwrap().iter().find(|n| pred(n)) {
                    return found.clone();
                }
                notified.await;
            }
        };
        tokio::time::timeout(DEADLINE, wait)
            .await
            .expect("the expected notification did not arrive")
    }

    /// Waits for `textDocument/publishDiagnostics` for `uri` (at `version`
    /// when given) and returns its params.
    pub async fn diagnostics(&self, uri: &str, version: Option<i64>) -> Value {
        let found = self
            .wait_notification(|n| {
                n["method"] == "textDocument/publishDiagnostics"
                    && n["params"]["uri"] == uri
                    && version.is_none_or(|v| n["params"]["version"] == v)
            })
            .await;
        found["params"].clone()
    }

    pub fn clear_notifications(&self) {
        self.notifications.lock().unwrap().clear();
    }

    /// `initialize` + `initialized` with the given workspace folder and
    /// initialization options.
    pub async fn initialize(&mut self, root_uri: Option<&str>, options: Value) -> Value {
        let folders = root_uri.map(|uri| json!([{"uri": uri, "name": "workspace"}]));
        let result = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": root_uri,
                    "workspaceFolders": folders,
                    "initializationOptions": options,
                    "capabilities": {
                        "textDocument": {
                            "publishDiagnostics": {"relatedInformation": true, "versionSupport": true},
                            "hover": {"contentFormat": ["markdown", "plaintext"]},
                            "completion": {"completionItem": {"snippetSupport": false}},
                            "rename": {"prepareSupport": true}
                        },
                        "workspace": {"workspaceFolders": true}
                    }
                }),
            )
            .await;
        self.notify("initialized", json!({}));
        result
    }

    pub async fn shutdown(&mut self) {
        let result = self.request("shutdown", Value::Null).await;
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
    }
}

async fn read_message<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).await.ok()?;
    serde_json::from_slice(&body).ok()
}

/// A server running in this process, connected through in-memory pipes.
pub fn in_process() -> Client {
    let (client_side, server_side) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(server_side);
    tokio::spawn(nwf_lsp::serve(server_read, server_write));
    let (client_read, client_write) = tokio::io::split(client_side);
    Client::new(client_read, client_write)
}
