// The server's custom messages and command ids, mirroring vscode-extension/src/protocol.ts field for field: a change
// here is a change there.
using System.Text.Json.Serialization;

namespace InlineAdvisor.LanguageServer.Protocol;

public static class InlineAdvisorMethods
{
    public const string Status = "inlineAdvisor/status";
    public const string Heat = "inlineAdvisor/heat";
    public const string StoreChanged = "inlineAdvisor/storeChanged";
}

/// <summary>serverCommands in protocol.ts: what workspace/executeCommand runs.</summary>
public static class ServerCommands
{
    public const string Collect = "inlineAdvisor.server.collect";
    public const string Experiment = "inlineAdvisor.server.experiment";
    public const string Export = "inlineAdvisor.server.export";
    public const string Report = "inlineAdvisor.server.report";
    /// <summary>The HTML report of the store snapshot: one self-contained page (InlineAdvisor.Report), for a webview.</summary>
    public const string ReportHtml = "inlineAdvisor.server.reportHtml";
    public static readonly IReadOnlyList<string> All = [Collect, Experiment, Export, Report, ReportHtml];

    /// <summary>A client-side command the resolved lenses invoke (the extension registers it).</summary>
    public const string ShowEvidence = "inlineAdvisor.showEvidence";
}

public sealed record StatusResult(string StorePath, bool StoreExists, long? RunId, string? Program, string? CollectedUtc, int Experiments, string? Message);
public sealed record HeatLine(int Line, double Share, long Samples);
public sealed record HeatResult(IReadOnlyList<HeatLine> Lines);
public sealed record StoreChanged(long? RunId, int Experiments);

// Command arguments (arguments[0]) and results.
public sealed record CollectArguments(string? Command, string? Cwd);
public sealed record ExperimentArguments(string? Uri, int? Line, int? Character, string? Action);
public sealed record ExportArguments(string? Output);
public sealed record CollectResult(IReadOnlyList<long> RunIds, string Summary);
public sealed record ExperimentResult(long? ExperimentId, string Summary);
public sealed record ExportResult(string Path, int Recommendations);
public sealed record ReportResult(string Text);
public sealed record ReportHtmlResult(string Html);
