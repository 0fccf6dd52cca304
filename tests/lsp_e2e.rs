//! End to end: the real `nwf lsp` binary as a child process, spoken to over
//! its stdin and stdout exactly as an editor does. Initialize with a
//! workspace folder, open a document with an error, receive the diagnostic,
//! jump from a reference to its definition in another file, shut down, and
//! check that the process exits cleanly.
//!
//! Every wait has a deadline so that a broken server fails the test instead
//! of hanging it; nothing asserts on how long a step took.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(60);

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
        let body = serde_json::to_vec(message).expect("json");
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write header");
        self.stdin.write_all(&body).expect("write body");
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
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if !params.is_null() {
            message["params"] = params;
        }
        self.send(&message);
        let response = self.wait_for(method, |m| m["id"] == id && m.get("method").is_none());
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }
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
