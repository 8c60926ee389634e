// The model's advice for the sites an editor shows: computed once per store load, and only when the app's built
// assemblies (inlineAdvisor.workload.appDir, where the IL features come from) and a model are there.
using InlineAdvisor.Core;
using InlineAdvisor.Model;

namespace InlineAdvisor.LanguageServer;

public sealed record SitePredictions(IReadOnlyDictionary<(MethodIdentity Caller, MethodIdentity Callee, int IlOffset), SiteAdvice> Advice, string? Note)
{
    public static readonly SitePredictions None = new(new Dictionary<(MethodIdentity, MethodIdentity, int), SiteAdvice>(), null);

    public SiteAdvice? For(CallSite s) => Advice.GetValueOrDefault((s.Caller, s.Callee, s.IlOffset));

    /// <summary>Advice per site (measured where an experiment exists, else the model's labelled prediction); a note says
    /// why there are no predictions instead of failing the load.</summary>
    public static SitePredictions Compute(RunProfile profile, Func<CallSite, IReadOnlyList<ExperimentRecord>> experimentsFor, string? appDir,
        double minBound, string? modelPath = null)
    {
        if (appDir is null) return None with { Note = "no predictions: set inlineAdvisor.workload.appDir to the folder of the built assemblies" };
        if (!Directory.Exists(appDir)) return None with { Note = $"no predictions: the application folder {appDir} does not exist" };
        modelPath ??= ModelFile.FindDefault();
        if (modelPath is null) return None with { Note = "no predictions: no model found (models/inline-model.json beside the advisor)" };
        try
        {
            var model = ModelFile.Load(modelPath);
            using var il = new ILFeatureReader(appDir);
            var report = Advisor.Advise(profile, experimentsFor, il, model, modelPath, new AdviseOptions(minBound, int.MaxValue));
            var bySite = new Dictionary<(MethodIdentity, MethodIdentity, int), SiteAdvice>();
            foreach (var a in report.Sites) bySite.TryAdd((a.Site.Caller, a.Site.Callee, a.Site.IlOffset), a);
            return new SitePredictions(bySite, report.Notes.Count > 0 ? string.Join("; ", report.Notes) : null);
        }
        catch (ModelException e)
        {
            return None with { Note = "no predictions: " + e.Message };
        }
    }
}
