//! nwf-lsp: the language server for libvirt network filters, in both their
//! XML form and the `.nwf` text form.
//!
//! The server converts between the protocol and [`nwf_syntax`]; it never
//! computes the meaning of a filter itself. Its pieces:
//!
//! - [`server`]: the table of contents, one line per supported request;
//! - [`state`]: shared state, the off-request analysis runner and the
//!   debounced diagnostics worker;
//! - [`documents`]: the open documents, kept in sync incrementally;
//! - [`world`]: the files of the workspace and the analysis over them;
//! - [`convert`]: byte spans to UTF-16 LSP positions and nwf diagnostics to
//!   LSP diagnostics;
//! - [`rewrite`]: printing a whole document (formatting, conversion) only
//!   when nothing it says would be lost;
//! - `handlers/*`: one file per feature, each a total function from the
//!   world and the request's parameters to the response.
//!
//! Nothing here prints to stdout (it is the protocol); logs go to stderr.

pub mod convert;
pub mod documents;
pub mod handlers;
pub mod rewrite;
pub mod scan;
pub mod server;
pub mod state;
pub mod stock;
pub mod world;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

/// How a session ended, which decides the exit code the protocol asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The client sent `shutdown`, then `exit` (or closed its end): exit
    /// code 0.
    ShutDown,
    /// The client sent `exit`, or closed its end, without `shutdown`
    /// first: exit code 1.
    Abandoned,
}

/// Serves the protocol on the given byte streams until the client says
/// `exit` or closes its end. Tests drive it over in-memory pipes.
///
/// `exit` ends the session at once, whether or not the client keeps its end
/// open, and nothing read after it is looked at (the transport stops
/// reading there).
pub async fn serve<I, O>(input: I, output: O) -> SessionEnd
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&shut_down);
    let (service, socket) =
        LspService::new(move |client| server::Server::new(client, Arc::clone(&flag)));
    Server::new(input, output, socket).serve(service).await;
    if shut_down.load(Ordering::SeqCst) {
        SessionEnd::ShutDown
    } else {
        SessionEnd::Abandoned
    }
}

/// Serves the protocol on stdin/stdout: `nwf lsp`.
pub async fn run_stdio() -> SessionEnd {
    serve(tokio::io::stdin(), tokio::io::stdout()).await
}

/// Runs [`run_stdio`] on a runtime of its own, for a caller without one.
/// Returns once the client has said `exit` or disconnected.
pub fn run_blocking() -> std::io::Result<SessionEnd> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let end = runtime.block_on(run_stdio());
    // The stdin reader thread may still be blocked in a read that will never
    // complete (the client may keep its end open after `exit`), and the
    // diagnostics worker never ends by itself; do not wait for either.
    runtime.shutdown_background();
    Ok(end)
}
