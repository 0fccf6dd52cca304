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
//! - `handlers/*`: one file per feature, each a total function from the
//!   world and the request's parameters to the response.
//!
//! Nothing here prints to stdout (it is the protocol); logs go to stderr.

pub mod convert;
pub mod documents;
pub mod handlers;
pub mod scan;
pub mod server;
pub mod state;
pub mod stock;
pub mod world;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp::{LspService, Server};

/// Serves the protocol on the given byte streams until the client says
/// `exit` or closes its end. Tests drive it over in-memory pipes.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = LspService::new(server::Server::new);
    Server::new(input, output, socket).serve(service).await;
}

/// Serves the protocol on stdin/stdout: `nwf lsp`.
pub async fn run_stdio() {
    serve(tokio::io::stdin(), tokio::io::stdout()).await;
}

/// Runs [`run_stdio`] on a runtime of its own, for a caller without one.
/// Returns once the client has disconnected.
pub fn run_blocking() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_stdio());
    // The stdin reader thread may still be blocked in a read that will never
    // complete; do not wait for it.
    runtime.shutdown_background();
    Ok(())
}
