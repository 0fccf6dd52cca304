// The nwf extension is a thin client: it starts `nwf lsp` and lets the
// language server do all the language work (diagnostics, navigation,
// completion, formatting). It holds no language logic of its own.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("nwf");
  const command = config.get<string>("server.path") || "nwf";
  const extraArgs = config.get<string[]>("server.extraArgs") ?? [];
  const run = { command, args: ["lsp", ...extraArgs], transport: TransportKind.stdio };
  return { run, debug: run };
}

function clientOptions(): LanguageClientOptions {
  return {
    // XML files are offered to the server, which keeps only libvirt
    // documents (root <filter>, <filterbinding> or <domain>) and ignores
    // every other XML file.
    documentSelector: [
      { scheme: "file", language: "nwf" },
      { scheme: "untitled", language: "nwf" },
      { scheme: "file", language: "xml" },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{nwf,xml}"),
    },
  };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  client = new LanguageClient("nwf", "nwf language server", serverOptions(), clientOptions());
  try {
    await client.start();
  } catch (err) {
    const path = vscode.workspace.getConfiguration("nwf").get<string>("server.path");
    void vscode.window.showErrorMessage(
      `nwf: could not start the language server (${path} lsp): ${String(err)}. ` +
        "Install nwf or set `nwf.server.path`.",
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("nwf.restartServer", async () => {
      await client?.stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("nwf.server")) {
        await client?.stop();
        await start(context);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
