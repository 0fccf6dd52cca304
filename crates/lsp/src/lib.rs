//! nwf-lsp: the language server.
