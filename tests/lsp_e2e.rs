//! End to end: the real `nwf lsp` binary as a child process, spoken to over
//! its stdin and stdout exactly as an editor does. Initialize with a
//! workspace folder, open a document with an error, receive the diagnostic,
//! jump from a reference to its definition in another file, shut down, and
//! check that the process exits cleanly.
//!
//! The end of a session as the protocol has it: `exit` ends the process at
//! once even while the client keeps its end open (Neovim does), with exit
//! code 0 after `shutdown` and 1 without; `shutdown` may carry
//! `"params": null` (Eglot, lsp4ij); nothing sent after `exit` keeps the
//! process alive.
//!
//! Every wait has a deadline so that a broken server fails the test instead
//! of hanging it; nothing asserts on how long a step took beyond a generous
//! bound for `exit`, which the protocol wants obeyed promptly.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(60);

/// How long the process may take to end after `exit`: it should take
/// milliseconds; the bound only keeps a busy machine from failing the test.
const EXIT_DEADLINE: Duration = Duration::from_secs(5);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start(cache: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nwf"))
            .arg("lsp")
            .env("XDG_CACHE_HOME", cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nwf lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Server {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        self.send_all(std::slice::from_ref(message));
    }

    /// Sends messages in one write, so that none of them can find the pipe
    /// already closed by the server's reaction to an earlier one.
    fn send_all(&mut self, messages: &[Value]) {
        let mut bytes = Vec::new();
        for message in messages {
            let body = serde_json::to_vec(message).expect("json");
            write!(bytes, "Content-Length: {}\r\n\r\n", body.len()).expect("in memory");
            bytes.extend_from_slice(&body);
        }
        self.stdin.write_all(&bytes).expect("write messages");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        let mut message = json!({"jsonrpc": "2.0", "method": method});
        if !params.is_null() {
            message["params"] = params;
        }
        self.send(&message);
    }

    /// Waits for a message satisfying `pred`, answering the server's own
    /// requests (e.g. `client/registerCapability`) on the way.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let message = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
            if message.get("method").is_some() && message.get("id").is_some() {
                let id = message["id"].clone();
                self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
                continue;
            }
            if pred(&message) {
                return message;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let mut message = json!({"jsonrpc": "2.0", "method": method});
        if !params.is_null() {
            message["params"] = params;
        }
        self.request_message(method, message)
    }

    /// Sends `message` as a request (it gets the next id) and returns the
    /// result of its response, which must not be an error.
    fn request_message(&mut self, method: &str, mut message: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        message["id"] = json!(id);
        self.send(&message);
        let response = self.wait_for(method, |m| m["id"] == id && m.get("method").is_none());
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Starts a server on an empty workspace and initializes it.
    fn initialized(root: &Path) -> Server {
        std::fs::create_dir_all(root).expect("workspace dir");
        let mut server = Server::start(&root.join("cache"));
        server.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
        );
        server.notify("initialized", json!({}));
        server
    }

    /// Waits for the process to end, stdin still open, checks its exit
    /// code, and removes the workspace.
    fn expect_exit(mut self, what: &str, code: i32, root: &Path) {
        let status = self.wait_exit(what);
        assert_eq!(status.code(), Some(code), "nwf lsp exited with {status}");
        drop(self.stdin);
        let _ = std::fs::remove_dir_all(root);
    }

    /// Waits for the process to end, stdin still open, within
    /// [`EXIT_DEADLINE`]; kills it and fails when it does not.
    fn wait_exit(&mut self, what: &str) -> ExitStatus {
        let end = Instant::now() + EXIT_DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("nwf lsp still runs {EXIT_DEADLINE:?} after {what}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("nwf-lsp-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    root
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
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
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn nwf_lsp_binary_reports_diagnostics_and_jumps_across_files() {
    let root = std::env::temp_dir().join(format!("nwf-lsp-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("workspace dir");
    let xml = "<filter name='allow-web' chain='ipv4'>\n  <rule action='accept' direction='in'>\n    <tcp dstportstart='80'/>\n  </rule>\n</filter>\n";
    std::fs::write(root.join("allow-web.xml"), xml).expect("write xml");
    // `banana` is no attribute of `tcp`: an error the server must report.
    let text = "filter guest {\n    ref allow-web\n    in accept tcp banana = 1\n}\n";
    let text_path = root.join("guest.nwf");
    std::fs::write(&text_path, text).expect("write nwf");

    let mut server = Server::start(&root.join("cache"));
    let init = server.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    assert_eq!(
        init["capabilities"]["textDocumentSync"]["change"], 2,
        "incremental sync"
    );
    server.notify("initialized", json!({}));
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&text_path), "languageId": "nwf", "version": 1, "text": text}}),
    );

    let published = server.wait_for("diagnostics of guest.nwf", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri(&text_path)
    });
    let diagnostics = published["params"]["diagnostics"]
        .as_array()
        .expect("a list")
        .clone();
    let error = diagnostics
        .iter()
        .find(|d| d["severity"] == 1)
        .unwrap_or_else(|| panic!("no error in {diagnostics:?}"));
    assert_eq!(error["range"]["start"]["line"], 2, "{error}");
    assert!(
        error["code"]
            .as_str()
            .is_some_and(|code| code.starts_with("NWF")),
        "{error}"
    );

    // `ref allow-web` on line 1: the cursor inside the name.
    let definition = server.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&text_path)}, "position": {"line": 1, "character": 10}}),
    );
    let target = &definition[0];
    assert_eq!(
        target["uri"],
        uri(&root.join("allow-web.xml")),
        "{definition}"
    );
    assert_eq!(target["range"]["start"]["line"], 0, "{definition}");

    assert_eq!(server.request("shutdown", Value::Null), Value::Null);
    server.notify("exit", Value::Null);
    drop(server.stdin);
    let end = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < end, "nwf lsp did not exit after `exit`");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "nwf lsp exited with {status}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn exit_after_shutdown_ends_the_process_with_stdin_open_and_code_0() {
    let root = scratch("exit-clean");
    let mut server = Server::initialized(&root);
    // Eglot and lsp4ij send `"params": null`; the protocol's form has none.
    let result = server.request_message(
        "shutdown",
        json!({"jsonrpc": "2.0", "method": "shutdown", "params": null}),
    );
    assert_eq!(result, Value::Null);
    server.notify("exit", Value::Null);
    server.expect_exit("shutdown and exit", 0, &root);
}

#[test]
fn exit_without_shutdown_ends_the_process_with_code_1() {
    let root = scratch("exit-abrupt");
    let mut server = Server::initialized(&root);
    server.notify("exit", Value::Null);
    server.expect_exit("exit without shutdown", 1, &root);
}

#[test]
fn messages_after_exit_do_not_keep_the_process_alive() {
    let root = scratch("exit-then-more");
    let mut server = Server::initialized(&root);
    assert_eq!(server.request("shutdown", Value::Null), Value::Null);
    // What Neovim 0.7 sends on `:qa`: `exit`, another `shutdown`, and then
    // it keeps the pipe open.
    server.send_all(&[
        json!({"jsonrpc": "2.0", "method": "exit"}),
        json!({"jsonrpc": "2.0", "id": 99, "method": "shutdown"}),
        json!({"jsonrpc": "2.0", "method": "exit"}),
    ]);
    server.expect_exit("exit followed by more messages", 0, &root);
}
