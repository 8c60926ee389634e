// The standard LSP 3.17 messages this server receives and sends, as System.Text.Json records (camelCase on the wire,
// LspRpc.Json). Only the fields the server reads or writes are here; the client's other fields are ignored.
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.LanguageServer.Protocol;

public sealed record Position(int Line, int Character)
{
    public static Position Of(LinePosition p) => new(p.Line, p.Character);
    public LinePosition ToLinePosition() => new(Line, Character);
}

public sealed record Range(Position Start, Position End)
{
    public static Range At(LinePosition p) => new(Position.Of(p), Position.Of(p));
    public static Range Of(LinePositionSpan s) => new(Position.Of(s.Start), Position.Of(s.End));
}

public sealed record TextDocumentIdentifier(string Uri);
public sealed record VersionedTextDocumentIdentifier(string Uri, int? Version);
public sealed record TextDocumentItem(string Uri, string? LanguageId, int? Version, string? Text);

// ---- lifecycle ----------------------------------------------------------------------------------------------------

public sealed record WorkspaceFolder(string Uri, string? Name);
public sealed record WorkDoneProgressClientCapabilities(bool? WorkDoneProgress);
public sealed record CodeLensWorkspaceClientCapabilities(bool? RefreshSupport);
public sealed record WorkspaceClientCapabilities(CodeLensWorkspaceClientCapabilities? CodeLens);
public sealed record ClientCapabilities(WorkDoneProgressClientCapabilities? Window, WorkspaceClientCapabilities? Workspace);

/// <summary>initializationOptions stays raw: settings are read field by field, leniently (<see cref="ServerSettings.With"/>).</summary>
public sealed record InitializeParams(string? RootUri, string? RootPath, IReadOnlyList<WorkspaceFolder>? WorkspaceFolders,
    JsonElement? InitializationOptions, ClientCapabilities? Capabilities);

public sealed record TextDocumentSyncOptions(bool OpenClose, int Change);
public sealed record CodeLensOptions(bool ResolveProvider);
public sealed record CodeActionOptions(IReadOnlyList<string> CodeActionKinds);
public sealed record ExecuteCommandOptions(IReadOnlyList<string> Commands);
public sealed record ServerCapabilities(TextDocumentSyncOptions TextDocumentSync, CodeLensOptions CodeLensProvider, bool HoverProvider,
    CodeActionOptions CodeActionProvider, ExecuteCommandOptions ExecuteCommandProvider);
public sealed record ServerInfo(string Name, string Version);
public sealed record InitializeResult(ServerCapabilities Capabilities, ServerInfo ServerInfo);

/// <summary>settings stays raw for the same reason as initializationOptions.</summary>
public sealed record DidChangeConfigurationParams(JsonElement? Settings);

// ---- documents (full sync: each change carries the whole text) ------------------------------------------------------

public sealed record DidOpenTextDocumentParams(TextDocumentItem TextDocument);
public sealed record TextDocumentContentChangeEvent(string? Text);
public sealed record DidChangeTextDocumentParams(VersionedTextDocumentIdentifier TextDocument, IReadOnlyList<TextDocumentContentChangeEvent>? ContentChanges);
public sealed record DidCloseTextDocumentParams(TextDocumentIdentifier TextDocument);

// ---- features -------------------------------------------------------------------------------------------------------

public sealed record TextDocumentParams(TextDocumentIdentifier? TextDocument);
public sealed record TextDocumentPositionParams(TextDocumentIdentifier? TextDocument, Position? Position);

public sealed record Command(string Title, [property: JsonPropertyName("command")] string Name, IReadOnlyList<object> Arguments);

/// <summary>A lens as the client sends it back to codeLens/resolve: data is the [set id, item] key the server made.</summary>
public sealed record CodeLens(Range? Range, JsonElement? Data);
public sealed record ResolvedCodeLens(Range Range, JsonElement? Data, Command Command);

public sealed record MarkupContent(string Kind, string Value);
public sealed record Hover(MarkupContent Contents);

public sealed record CodeActionParams(TextDocumentIdentifier? TextDocument, Range? Range);
public sealed record TextEdit(Range Range, string NewText);
public sealed record WorkspaceEdit(IReadOnlyDictionary<string, IReadOnlyList<TextEdit>> Changes);
public sealed record CodeAction(string Title, string Kind, bool IsPreferred, WorkspaceEdit Edit);

/// <summary>workDoneToken is a string or an integer (ProgressToken): kept as sent, and sent back as it came.</summary>
public sealed record ExecuteCommandParams(string? Command, IReadOnlyList<JsonElement>? Arguments, JsonElement? WorkDoneToken);

// ---- window: progress and log ---------------------------------------------------------------------------------------

public sealed record WorkDoneProgressCreateParams(JsonElement Token);
public sealed record WorkDoneProgressCancelParams(JsonElement Token);
public sealed record ProgressParams<T>(JsonElement Token, T Value);
public sealed record WorkDoneProgressBegin(string Title, bool Cancellable) { public string Kind => "begin"; }
public sealed record WorkDoneProgressReport(string Message) { public string Kind => "report"; }
public sealed record WorkDoneProgressEnd { public string Kind => "end"; }

public enum MessageType { Error = 1, Warning = 2, Info = 3, Log = 4 }
public sealed record LogMessageParams([property: JsonConverter(typeof(JsonNumberEnumConverter<MessageType>))] MessageType Type, string Message);

public static class Methods
{
    public const string Initialize = "initialize", Initialized = "initialized", Shutdown = "shutdown", Exit = "exit";
    public const string DidOpen = "textDocument/didOpen", DidChange = "textDocument/didChange", DidClose = "textDocument/didClose", DidSave = "textDocument/didSave";
    public const string DidChangeConfiguration = "workspace/didChangeConfiguration";
    public const string CodeLens = "textDocument/codeLens", CodeLensResolve = "codeLens/resolve", CodeLensRefresh = "workspace/codeLens/refresh";
    public const string Hover = "textDocument/hover", CodeAction = "textDocument/codeAction", ExecuteCommand = "workspace/executeCommand";
    public const string Progress = "$/progress", WorkDoneProgressCreate = "window/workDoneProgress/create", WorkDoneProgressCancel = "window/workDoneProgress/cancel";
    public const string LogMessage = "window/logMessage";
}
